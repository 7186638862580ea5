"""The property-test cases of conv2d, the pools and pad (registered by test_properties.py).

Each builder takes hypothesis' ``draw`` and returns ``(fn, inputs)``: a function
of float64 tensors that require grad, and those tensors.  Sizes stay tiny
(finite differences evaluate ``fn`` twice per input element), and every
stride, padding, dilation and group count is drawn, in both layouts.
"""
import numpy as np
from hypothesis import strategies as st

from tinygrad_edu import conv as C
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import strategies as ts

T = ts.tensors                              # float64, requires_grad=True, reals in [-3, 3]


def _untied(draw, shape):
    """One tensor whose values are pairwise apart: no ties for max pooling's kinks."""
    return Tensor(draw(ts.separated(shape, min_gap=0.01)), requires_grad=True)


def conv2d_case(draw):
    """A small conv2d, NCHW (``conv2d``) or channels last (``conv2d_channels_last``)."""
    groups, cg, fg = (draw(st.integers(1, 2)) for _ in range(3))
    (kh, kw), (sh, sw), (dh, dw) = (tuple(draw(st.integers(1, hi)) for _ in range(2))
                                    for hi in (3, 2, 2))
    same = sh == sw == 1 and draw(st.booleans())
    pads = (0, 0) if same else tuple(draw(st.integers(0, 1)) for _ in range(2))
    h, w = (max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 2))
            for d, k, p in zip((dh, dw), (kh, kw), pads))
    n, padding = draw(st.integers(1, 2)), "same" if same else pads
    bias = [draw(T((groups * fg,)))] if draw(st.booleans()) else []
    if draw(st.booleans()):
        x, weight = draw(T((n, groups * cg, h, w))), draw(T((groups * fg, cg, kh, kw)))
        return (lambda x, w, *b: C.conv2d(x, w, *b, stride=(sh, sw), padding=padding,
                                          dilation=(dh, dw), groups=groups)), [x, weight] + bias
    x, kernel = draw(T((n, h, w, groups * cg))), draw(T((kh, kw, cg, groups * fg)))
    return (lambda x, k, *b: C.conv2d_channels_last(x, k, *b, strides=(sh, sw), padding=padding,
                                                    dilation=(dh, dw), groups=groups)), \
        [x, kernel] + bias


def _pool_input(draw, layout):
    """An image batch shape, a window and a stride (None: the window's size) that fit it."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 2), st.integers(1, 2))))
    h, w = kh + draw(st.integers(0, 2)), kw + draw(st.integers(0, 2))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return (n, c, h, w) if layout == "nchw" else (n, h, w, c), (kh, kw), stride


def max_pool2d_case(draw):
    shape, k, stride = _pool_input(draw, "nchw")
    return (lambda x: C.max_pool2d(x, k, stride)), [_untied(draw, shape)]


def avg_pool2d_case(draw):
    shape, k, stride = _pool_input(draw, "nchw")
    return (lambda x: C.avg_pool2d(x, k, stride)), [draw(T(shape))]


def pool2d_channels_last_case(draw):
    shape, k, stride = _pool_input(draw, "nhwc")
    reduce = draw(st.sampled_from(["max", "avg"]))
    return (lambda x: C.pool2d_channels_last(x, k, stride, reduce)), [_untied(draw, shape)]


def pad_case(draw):
    """Padding of some trailing axes (last first), negative amounts cropping, zero or 0.5."""
    x = draw(T(draw(ts.shapes(min_dims=1, max_side=3))))
    amounts = []
    for n in reversed(x.shape[-draw(st.integers(1, x.ndim)):]):
        before = draw(st.integers(-1 if n > 1 else 0, 2))
        amounts += [before, draw(st.integers(-1 if n + min(before, 0) > 1 else 0, 2))]
    value = draw(st.sampled_from([0.0, 0.5]))
    return (lambda x: C.pad(x, tuple(amounts), value=value)), [x]


#: (spec name, the ops it covers, case builder)
SPECS = [
    ("conv2d", (C.conv2d, C.conv2d_channels_last), conv2d_case),
    ("max_pool2d", (C.max_pool2d,), max_pool2d_case),
    ("avg_pool2d", (C.avg_pool2d,), avg_pool2d_case),
    ("pool2d_channels_last", (C.pool2d_channels_last,), pool2d_channels_last_case),
    ("pad", (C.pad,), pad_case),
]
