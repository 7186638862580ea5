"""Convolution, pooling and padding, derived: windows cut out by slicing, then a matrix product.

Nothing here has a derivative rule.  A convolution slides a ``kH x kW``
kernel over the image and takes, at every position, the dot product of the
kernel with the window under it.  Cutting all the windows out at once
("im2col") turns the whole convolution into *one* matrix product::

    cols[(n, i, j), (di, dj, c)] = x_padded[n, i*s + di*d, j*s + dj*d, c]
    out[(n, i, j), f]            = cols @ W.reshape(kH * kW * C, F)

The windows are made with ``kH * kW`` slicings, one per kernel tap
``(di, dj)``: ``x[:, di*d :: s, dj*d :: s]`` (cut to the output size) is the
pixel under that tap for every output position.  Stacked on a new axis
(``Cat``), they are ``cols``.  Padding is ``ScatterAdd`` -- the adjoint of
cropping: zeros with ``x`` placed inside.  Max pooling is ``Max`` over the
windows, average pooling their ``mean``; non-overlapping windows (stride =
kernel, the usual case) need no slicing at all, only a ``Reshape`` that
splits each spatial axis into (output position, offset in the window).

So the backward pass of a convolution -- the "transposed convolution" that a
hand-written layer has to type in, sending each output's gradient back to
the pixels of its window -- is what the chain rule makes of ``GetItem``
(scatter each tap's gradient back where it was cut from), ``Cat``,
``Reshape`` and ``MatMul``.  Second derivatives come for free.

Layouts.  The functions with PyTorch's names and signatures take NCHW
tensors and weights of shape ``(out_channels, in_channels // groups, kH, kW)``.
Internally everything runs channels last (NHWC), where the windows and the
matrix product need no transposed copies; ``conv2d_channels_last`` and
``pool2d_channels_last`` are that core, with Keras' kernel layout
``(kH, kW, in_channels // groups, filters)``: the Keras-style layers
(``nn.Conv2D``, ...) call them directly.

Why no new primitive: composed like this, a training step of the digits CNN
of ``examples/digits_cnn.py`` takes 1.18-1.31x the time of a hand-written
NumPy im2col step (benchmark B6 in ``benchmarks/README.md``; target 1.5x),
and 0.92-0.96x when replayed by ``jit``.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import derived as D
from . import ops
from .function import kernel
from .recording import composite
from .tensor import Tensor

__all__ = ["pad", "conv2d", "max_pool2d", "avg_pool2d", "conv2d_channels_last",
           "pool2d_channels_last", "conv_output_size", "same_padding"]


# ----------------------------------------------------------------- arguments --
def _pair(value, name, op, minimum=1):
    """``value`` (an int or a pair of ints) as a pair, each >= ``minimum``."""
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2 or
            not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum
                    for v in pair)):
        raise ValueError(f"{op}: {name} must be an integer >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_4d(x, op, layout):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        example = "x.reshape(1, 1, 8, 8)" if layout == "(N, C, H, W)" else "x.reshape(1, 8, 8, 1)"
        raise ValueError(f"{op}: expected a 4-D input {layout}, got shape {x.shape}; add the "
                         f"missing batch or channel axes, e.g. {example} for one 8x8 image")


def conv_output_size(size, kernel_size, stride=1, dilation=1, padding=(0, 0)):
    """Output length of a convolution or pooling along one axis (PyTorch's floor rule).

    ``padding`` is the pair (before, after).

    Examples
    --------
    >>> conv_output_size(8, 3), conv_output_size(8, 3, padding=(1, 1)), conv_output_size(8, 2, 2)
    (6, 8, 4)
    """
    span = dilation * (kernel_size - 1) + 1
    return (size + padding[0] + padding[1] - span) // stride + 1


def same_padding(size, kernel_size, stride=1, dilation=1):
    """Keras' (and TensorFlow's) ``padding='same'`` for one axis: the pair (before, after).

    The output has ``ceil(size / stride)`` positions; the padding that needs
    is split evenly, the odd one out going after (bottom, right).

    Examples
    --------
    >>> same_padding(8, 3), same_padding(8, 4), same_padding(7, 3, stride=2)
    ((1, 1), (1, 2), (1, 1))
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel_size - 1) + 1 - size, 0)
    return total // 2, total - total // 2


# -------------------------------------------------------------------- padding --
def _frame(shape, inside, value, dtype):
    """An array of ``shape`` that is ``value`` outside the region ``inside`` and 0 in it."""
    out = np.full(shape, value, dtype=dtype)
    out[inside] = 0
    return out


@composite
def pad(x, pad, value=0.0):
    """Pad with a constant, in ``torch.nn.functional.pad``'s order: last axis first.

    ``pad = (left, right)`` pads the last axis, ``(left, right, top, bottom)``
    the last two, and so on.  Negative amounts crop, as in PyTorch.  Padding
    is ``ScatterAdd``: zeros with ``x`` placed inside (the adjoint of
    cropping), so the gradient is ``x``'s part of the upstream gradient.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> Tensor([[1.0, 2.0]]).pad((1, 0, 0, 1), value=-1.0)
    Tensor([[-1.,  1.,  2.],
            [-1., -1., -1.]], shape=(2, 3), dtype=float32)
    """
    widths = _pad_widths(x, pad)
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, x.shape))
    if any(a < 0 or b < 0 for a, b in widths):
        x = x[crop]
    widths = [(max(a, 0), max(b, 0)) for a, b in widths]
    if not any(a or b for a, b in widths):
        return x
    shape = tuple(a + n + b for (a, b), n in zip(widths, x.shape))
    inside = tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape))
    out = ops.ScatterAdd.apply(x, index=inside, shape=shape)
    if value != 0:
        out = out + Tensor._const(kernel(_frame, shape, inside, value, x._data.dtype), x)
    return out


def _pad_widths(x, pad):
    """``pad`` in PyTorch's order as (before, after) for every axis of ``x``, first axis first."""
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad: pad must be a tuple of an even number of integers (left, right, "
                         f"top, bottom, ...), last axis first, got {pad!r}")
    if len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: pad {tuple(pad)} has {len(pad) // 2} (before, after) pairs but "
                         f"the tensor has only {x.ndim} axes (shape {x.shape})")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]
    widths = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    for (a, b), n in zip(widths, x.shape):
        if n + a + b < 0 or n - max(-a, 0) - max(-b, 0) < 0:
            raise ValueError(f"pad: pad {tuple(pad)} crops more than the tensor has (shape "
                             f"{x.shape})")
    return widths


# -------------------------------------------------------------------- windows --
def _windows(x, axes, kernel_size, stride, dilation, out_size, at):
    """The ``kH * kW`` windows' pixels of ``x``, stacked on a new axis ``at``.

    For each kernel tap ``(di, dj)``, the slicing ``x[..., di*d : ... : s, ...]``
    along the two spatial ``axes`` picks the pixel under that tap for every
    one of the ``out_size`` output positions.
    """
    (ah, aw), (kh, kw), (sh, sw), (dh, dw), (oh, ow) = axes, kernel_size, stride, dilation, out_size
    taps = []
    for di in range(kh):
        for dj in range(kw):
            index = [slice(None)] * x.ndim
            index[ah] = slice(di * dh, di * dh + sh * (oh - 1) + 1, sh)
            index[aw] = slice(dj * dw, dj * dw + sw * (ow - 1) + 1, sw)
            index.insert(at, None)
            taps.append(x[tuple(index)])
    return taps[0] if len(taps) == 1 else D.cat(taps, axis=at)


# ---------------------------------------------------------------- convolution --
@composite
def conv2d_channels_last(x, kernel, bias=None, strides=1, padding="valid", dilation=1,
                         groups=1):
    """2-D convolution of NHWC ``x`` with a Keras-layout kernel ``(kH, kW, C // groups, F)``.

    ``padding`` is 'valid' (none), 'same' (Keras' rule: the output has
    ``ceil(H / stride)`` rows), an int, or ``((top, bottom), (left, right))``.
    Returns ``(N, H_out, W_out, F)``.  This is the core that ``conv2d`` and
    ``nn.Conv2D`` share: im2col by slicing (see the module docstring), then
    one ``MatMul`` (one batched ``MatMul`` over the groups).

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor.ones(1, 3, 3, 1)
    >>> conv2d_channels_last(x, Tensor.ones(2, 2, 1, 1)).reshape(2, 2)
    Tensor([[4., 4.],
            [4., 4.]], shape=(2, 2), dtype=float32)
    """
    op = "conv2d"
    _check_4d(x, op, "(N, H, W, C)")
    stride, dilation = _pair(strides, "stride", op), _pair(dilation, "dilation", op)
    n, h, w, c = x.shape
    kh, kw, cg, f = _check_kernel(x, kernel, groups)
    pads = _conv_padding(padding, (h, w), (kh, kw), stride, dilation)
    oh, ow = (conv_output_size(size, k, s, d, p) for size, k, s, d, p in
              zip((h, w), (kh, kw), stride, dilation, pads))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: the kernel ({kh}x{kw}, dilation {dilation}) is larger than the "
                         f"padded input ({h + sum(pads[0])}x{w + sum(pads[1])}; input shape "
                         f"{x.shape}): pad the input (padding='same') or use a smaller kernel")
    if any(pads[0] + pads[1]):
        x = pad(x, (0, 0) + pads[1] + pads[0])
    cols = _windows(x, (1, 2), (kh, kw), stride, dilation, (oh, ow), at=3)   # (N, oh, ow, K, C)
    rows = n * oh * ow
    if groups == 1:
        out = cols.reshape(rows, kh * kw * c) @ kernel.reshape(kh * kw * c, f)
    else:
        cols = cols.reshape(rows, kh * kw, groups, cg).permute(2, 0, 1, 3)
        weights = kernel.reshape(kh * kw * cg, groups, f // groups).permute(1, 0, 2)
        out = (cols.reshape(groups, rows, kh * kw * cg) @ weights).permute(1, 0, 2)
    out = out.reshape(n, oh, ow, f)
    return out if bias is None else out + bias


def _check_kernel(x, kernel, groups):
    """The kernel's (kH, kW, C // groups, F), checked against ``x`` (NHWC) and ``groups``."""
    if not isinstance(kernel, Tensor) or kernel.ndim != 4:
        raise ValueError(f"conv2d: the kernel must be a 4-D Tensor (kH, kW, in_channels // "
                         f"groups, filters), got {getattr(kernel, 'shape', type(kernel).__name__)}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive integer, got {groups!r}")
    kh, kw, cg, f = kernel.shape
    c = x.shape[-1]
    if c % groups or f % groups:
        raise ValueError(f"conv2d: groups={groups} must divide both the input channels ({c}) "
                         f"and the output channels ({f})")
    if cg * groups != c:
        raise ValueError(f"conv2d: the input has {c} channels (shape {x.shape}, channels last) "
                         f"but the kernel of shape {kernel.shape} takes {cg} x groups={groups} "
                         f"= {cg * groups}; make the kernel's in_channels axis {c // groups}")
    return kh, kw, cg, f


def _conv_padding(padding, size, kernel_size, stride, dilation):
    """``padding`` as ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            return tuple(same_padding(n, k, s, d)
                         for n, k, s, d in zip(size, kernel_size, stride, dilation))
    elif isinstance(padding, numbers.Integral) and not isinstance(padding, bool) and padding >= 0:
        return (int(padding),) * 2, (int(padding),) * 2
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, numbers.Integral) and p >= 0 for p in padding):
            return (int(padding[0]),) * 2, (int(padding[1]),) * 2
        if all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            return tuple((int(a), int(b)) for a, b in padding)
    raise ValueError(f"conv2d: padding must be 'valid', 'same', an integer >= 0, a pair (pH, "
                     f"pW) or ((top, bottom), (left, right)), got {padding!r}")


@composite
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as in every framework), PyTorch's ``F.conv2d``.

    Parameters
    ----------
    x : Tensor of shape (N, C, H, W)
    weight : Tensor of shape (out_channels, C // groups, kH, kW)
    bias : Tensor of shape (out_channels,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
        Zeros added on both sides of each spatial axis.  'same' keeps the size
        (stride 1; an even kernel pads one more at the bottom and right).
    groups : int
        Split the channels into ``groups`` independent convolutions.

    Returns
    -------
    Tensor of shape (N, out_channels, H_out, W_out), with
    ``H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1``.

    Examples
    --------
    A 3x3 image and a kernel that adds each 2x2 window's main diagonal:

    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]])
    >>> x.conv2d(Tensor([[[[1.0, 0.0], [0.0, 1.0]]]]))
    Tensor([[[[ 6.,  8.],
              [12., 14.]]]], shape=(1, 1, 2, 2), dtype=float32)
    """
    _check_4d(x, "conv2d", "(N, C, H, W)")
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be a 4-D Tensor (out_channels, in_channels // "
                         f"groups, kH, kW), got {getattr(weight, 'shape', type(weight).__name__)}")
    if isinstance(padding, str) and padding.lower() == "same" and _pair(stride, "stride",
                                                                         "conv2d") != (1, 1):
        raise ValueError("conv2d: padding='same' needs stride 1 (as in PyTorch); give the "
                         "padding as numbers for a strided convolution")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"conv2d: bias must have shape ({weight.shape[0]},) (one per output "
                         f"channel), got {getattr(bias, 'shape', type(bias).__name__)}")
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}, NCHW) "
                         f"but the weight of shape {weight.shape} takes {weight.shape[1]} x "
                         f"groups={groups} = {weight.shape[1] * groups}; the weight must be "
                         f"(out_channels, in_channels // groups, kH, kW)")
    out = conv2d_channels_last(x.permute(0, 2, 3, 1), weight.permute(2, 3, 1, 0), bias,
                               stride, _torch_padding(padding, weight.shape[2:], dilation),
                               dilation, groups)
    return out.permute(0, 3, 1, 2)


def _torch_padding(padding, kernel_size, dilation):
    """PyTorch's padding: a string or symmetric numbers ('same' puts the odd one at the end)."""
    if isinstance(padding, str) and padding.lower() == "same":
        total = [d * (k - 1) for k, d in zip(kernel_size, _pair(dilation, "dilation", "conv2d"))]
        return tuple((t // 2, t - t // 2) for t in total)
    return padding


# -------------------------------------------------------------------- pooling --
@composite
def pool2d_channels_last(x, pool_size, strides=None, reduce="max"):
    """Max (``reduce='max'``) or average (``'avg'``) pooling of NHWC ``x`` (Keras' layout).

    ``strides`` defaults to ``pool_size``; windows that do not fit are left
    out ('valid').

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0]]).reshape(1, 2, 4, 1)
    >>> pool2d_channels_last(x, 2).reshape(2), pool2d_channels_last(x, 2, reduce="avg").reshape(2)
    (Tensor([4., 5.], shape=(2,), dtype=float32), Tensor([2.5 , 1.75], shape=(2,), dtype=float32))
    """
    _check_4d(x, "pool2d", "(N, H, W, C)")
    return _pool(x, (1, 2), pool_size, strides, reduce, "pool2d")


def _pool(x, axes, kernel_size, stride, reduce, op):
    """Pool over the two spatial ``axes``: a reshape into blocks, or the windows' slicings."""
    if reduce not in ("max", "avg"):
        raise ValueError(f"{op}: reduce must be 'max' or 'avg', got {reduce!r}")
    kh, kw = _pair(kernel_size, "kernel_size", op)
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride", op)
    (ah, aw), shape = axes, x.shape
    oh, ow = conv_output_size(shape[ah], kh, sh), conv_output_size(shape[aw], kw, sw)
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: the window {kh}x{kw} is larger than the input's spatial size "
                         f"{shape[ah]}x{shape[aw]} (shape {shape}); use a smaller kernel_size")
    fn = D.max if reduce == "max" else D.mean
    if (sh, sw) == (kh, kw):            # non-overlapping blocks: split each axis into (o, k)
        if (oh * kh, ow * kw) != (shape[ah], shape[aw]):
            index = [slice(None)] * x.ndim
            index[ah], index[aw] = slice(0, oh * kh), slice(0, ow * kw)
            x = x[tuple(index)]
        blocks = shape[:ah] + (oh, kh) + shape[ah + 1:aw] + (ow, kw) + shape[aw + 1:]
        return fn(x.reshape(blocks), axis=(ah + 1, aw + 2))
    windows = _windows(x, axes, (kh, kw), (sh, sw), (1, 1), (oh, ow), at=x.ndim)
    return fn(windows, axis=-1)


@composite
def max_pool2d(x, kernel_size, stride=None):
    """Max pooling of NCHW ``x``, PyTorch's ``F.max_pool2d`` (no padding, floor mode).

    The gradient goes to each window's maximum; ties share it evenly (``Max``'s rule).

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]])
    >>> x.max_pool2d(2, stride=1)
    Tensor([[[[5., 6.],
              [8., 9.]]]], shape=(1, 1, 2, 2), dtype=float32)
    """
    _check_4d(x, "max_pool2d", "(N, C, H, W)")
    return _pool(x, (2, 3), kernel_size, stride, "max", "max_pool2d")


@composite
def avg_pool2d(x, kernel_size, stride=None):
    """Average pooling of NCHW ``x``, PyTorch's ``F.avg_pool2d`` (no padding, floor mode).

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]])
    >>> x.avg_pool2d(2, stride=1)
    Tensor([[[[3., 4.],
              [6., 7.]]]], shape=(1, 1, 2, 2), dtype=float32)
    """
    _check_4d(x, "avg_pool2d", "(N, C, H, W)")
    return _pool(x, (2, 3), kernel_size, stride, "avg", "avg_pool2d")


def install_methods(cls):
    """Attach ``conv2d``, ``max_pool2d``, ``avg_pool2d`` and ``pad`` to ``Tensor``."""
    for name in ("conv2d", "max_pool2d", "avg_pool2d", "pad"):
        setattr(cls, name, globals()[name])
