"""Keras-shaped convolutional layers, channels last: ``Conv2D``, the pooling layers, ``Flatten``.

Like ``Dense``, each layer is ordinary Tensor code run inside its module
scope: ``Conv2D`` is ``activation(conv2d(x, kernel) + bias)`` with the
derived convolution of :mod:`tinygrad_edu.conv`, so no backward is written
here, and a graph drawn with ``collapse='module'`` shows each layer as one box.

Images are ``(samples, height, width, channels)`` as in Keras, and a
``Conv2D`` kernel is ``(kernel_h, kernel_w, in_channels, filters)``.  Each
layer knows its output shape (``compute_output_shape``), so ``Sequential``
builds the whole stack from the first layer's ``input_shape`` and
``summary()`` shows every shape.
"""
from __future__ import annotations

import math

import numpy as np

from .. import conv
from ..tensor import Tensor
from . import init as _init
from .modules import Module, _as_input, _LayerNamedParameters, get_activation

__all__ = ["Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten"]


def _spatial_input(layer, x):
    """``x`` as a Tensor of images (N, H, W, C), or a clear error naming the layer."""
    x = _as_input(x)
    if x.ndim != 4:
        raise ValueError(f"{layer.name}: expected images of shape (samples, height, width, "
                         f"channels), got shape {x.shape}; a batch of grey 8x8 images is "
                         f"x.reshape(-1, 8, 8, 1)")
    return x


def _check_shape(layer, shape):
    shape = tuple(int(n) for n in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{layer.name}: input_shape must be (height, width, channels), got "
                         f"{shape}")
    return shape


class Conv2D(_LayerNamedParameters, Module):
    """A 2-D convolution layer: ``activation(conv2d(x, kernel) + bias)``, Keras' ``Conv2D``.

    Parameters
    ----------
    filters : int
        Number of output channels (feature maps).
    kernel_size : int or (int, int)
    strides : int or (int, int)
    padding : 'valid' or 'same'
        'valid': no padding, the output shrinks by ``kernel_size - 1``;
        'same': zeros around the input keep ``ceil(size / strides)`` positions.
    activation : str, callable or None
        As for ``Dense`` ('relu', 'sigmoid', ...).
    input_shape : (height, width, channels), optional
        Without it the layer is built at its first call.
    dilation_rate, groups : int
        Spacing of the kernel taps; independent channel groups.
    use_bias : bool
    kernel_initializer, bias_initializer : str or callable
        Keras' defaults, 'glorot_uniform' (fans ``kH kW C_in`` and ``kH kW filters``)
        and 'zeros'.
    name : str, optional

    Attributes
    ----------
    kernel : Tensor of shape (kernel_h, kernel_w, channels // groups, filters)
    bias : Tensor of shape (filters,), or None

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> _ = tg.manual_seed(0)
    >>> layer = tg.nn.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1))
    >>> layer.kernel.shape, layer.compute_output_shape((8, 8, 1))
    ((3, 3, 1, 16), (8, 8, 16))
    >>> layer(tg.Tensor.zeros(2, 8, 8, 1)).shape
    (2, 8, 8, 16)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 input_shape=None, dilation_rate=1, groups=1, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", name=None):
        super().__init__(name)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"Conv2D: filters must be a positive integer, got {filters!r}")
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"Conv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.filters, self.padding, self.groups = int(filters), padding.lower(), int(groups)
        self.kernel_size = conv._pair(kernel_size, "kernel_size", "Conv2D")
        self.strides = conv._pair(strides, "strides", "Conv2D")
        self.dilation_rate = conv._pair(dilation_rate, "dilation_rate", "Conv2D")
        if self.groups < 1 or self.filters % self.groups:
            raise ValueError(f"Conv2D: groups={groups} must be a positive integer that divides "
                             f"filters={filters}")
        self.activation_name, self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.input_shape, self.kernel, self.bias, self.built = None, None, None, False
        if input_shape is not None:
            self.build(input_shape)

    def build(self, input_shape, rng=None):
        """Create the kernel and bias for inputs of per-sample shape ``(H, W, C)``."""
        if self.built:
            raise RuntimeError(f"{self.name}: the layer is already built")
        h, w, c = _check_shape(self, input_shape)
        if c % self.groups:
            raise ValueError(f"{self.name}: groups={self.groups} must divide the {c} input "
                             f"channels")
        self.compute_output_shape((h, w, c))               # a kernel that does not fit fails here
        shape = self.kernel_size + (c // self.groups, self.filters)
        self.kernel = Tensor._make(np.asarray(self.kernel_initializer(shape, rng=rng),
                                              dtype=np.float32), True, None)
        if self.use_bias:
            bias = self.bias_initializer((self.filters,), rng=rng)
            self.bias = Tensor._make(np.asarray(bias, dtype=np.float32), True, None)
        self.input_shape, self.built = (h, w, c), True
        self._relabel()

    def compute_output_shape(self, input_shape):
        """The per-sample output shape ``(H_out, W_out, filters)`` for inputs ``(H, W, C)``."""
        h, w, _ = _check_shape(self, input_shape)
        sizes = []
        for n, k, s, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate):
            pads = conv.same_padding(n, k, s, d) if self.padding == "same" else (0, 0)
            sizes.append(conv.conv_output_size(n, k, s, d, pads))
        if min(sizes) < 1:
            raise ValueError(f"{self.name}: the {self.kernel_size} kernel does not fit in inputs "
                             f"of shape {(h, w)} with padding='valid'; use padding='same' or a "
                             f"smaller kernel_size")
        return tuple(sizes) + (self.filters,)

    def forward(self, x):
        x = _spatial_input(self, x)
        if not self.built:
            self.build(x.shape[1:])
        elif x.shape[-1] != self.input_shape[-1]:
            raise ValueError(f"{self.name}: expected images with {self.input_shape[-1]} channels "
                             f"on the last axis (kernel shape {self.kernel.shape}), got input of "
                             f"shape {x.shape}; images are (samples, height, width, channels)")
        z = conv.conv2d_channels_last(x, self.kernel, self.bias, self.strides, self.padding,
                                      self.dilation_rate, self.groups)
        return self.activation(z)

    def extra_repr(self):
        return (f"filters={self.filters}, kernel_size={self.kernel_size}, strides={self.strides}, "
                f"padding={self.padding!r}, activation={self.activation_name!r}")


class _Pooling2D(Module):
    """What both pooling layers share: the window, the strides and the output shape."""

    reduce = "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", name=None):
        super().__init__(name)
        kind = type(self).__name__
        if padding != "valid":
            raise ValueError(f"{kind}: only padding='valid' is implemented (windows that do not "
                             f"fit are left out); pad the input first (Tensor.pad) for 'same'")
        self.pool_size = conv._pair(pool_size, "pool_size", kind)
        self.strides = self.pool_size if strides is None else conv._pair(strides, "strides", kind)

    def compute_output_shape(self, input_shape):
        """``(H_out, W_out, C)`` for inputs ``(H, W, C)``: ``(H - pool) // strides + 1``."""
        h, w, c = _check_shape(self, input_shape)
        sizes = [conv.conv_output_size(n, k, s) for n, k, s in
                 zip((h, w), self.pool_size, self.strides)]
        if min(sizes) < 1:
            raise ValueError(f"{self.name}: the {self.pool_size} window does not fit in inputs of "
                             f"shape {(h, w)}; use a smaller pool_size")
        return tuple(sizes) + (c,)

    def forward(self, x):
        x = _spatial_input(self, x)
        return conv.pool2d_channels_last(x, self.pool_size, self.strides, self.reduce)

    def extra_repr(self):
        return f"pool_size={self.pool_size}, strides={self.strides}"


class MaxPooling2D(_Pooling2D):
    """The maximum of every ``pool_size`` window, channel by channel (Keras' ``MaxPooling2D``).

    ``strides`` defaults to ``pool_size`` (windows side by side).  The gradient
    goes to each window's maximum.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0]]).reshape(1, 2, 4, 1)
    >>> tg.nn.MaxPooling2D(2)(x).reshape(-1)
    Tensor([4., 5.], shape=(2,), dtype=float32)
    """


class AveragePooling2D(_Pooling2D):
    """The mean of every ``pool_size`` window, channel by channel (Keras' ``AveragePooling2D``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0]]).reshape(1, 2, 4, 1)
    >>> tg.nn.AveragePooling2D(2)(x).reshape(-1)
    Tensor([2.5 , 1.75], shape=(2,), dtype=float32)
    """

    reduce = "avg"


class Flatten(Module):
    """Each sample's values in one row: ``(N, H, W, C) -> (N, H * W * C)`` (Keras' ``Flatten``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.nn.Flatten()(tg.Tensor.zeros(2, 4, 4, 3)).shape
    (2, 48)
    """

    def compute_output_shape(self, input_shape):
        """``(prod(input_shape),)``."""
        return (math.prod(input_shape),)

    def forward(self, x):
        x = _as_input(x)
        if x.ndim < 2:
            raise ValueError(f"{self.name}: expected a batch of samples (at least 2 axes), got "
                             f"shape {x.shape}")
        return x.reshape(x.shape[0], -1)
