"""The activations users expect, beyond the article's: all derived from primitives.

==================  =======================================================
``softplus``        log(1 + e^x), computed without overflow
``relu6``           min(max(x, 0), 6)
``hard_sigmoid``    relu6(x + 3) / 6 (Keras 3 and PyTorch)
``hard_swish``      x hard_sigmoid(x) (``hardswish``; Keras' ``hard_silu``)
``elu``             x for x > 0, alpha (e^x - 1) otherwise
``selu``            scale elu(x, alpha) with the self-normalizing constants
``silu``            x sigmoid(x) (``swish``)
``mish``            x tanh(softplus(x))
``gelu``            x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (exact; or the tanh form)
``softsign``        x / (1 + |x|)
==================  =======================================================

None has a derivative rule: gelu's derivative Phi(x) + x phi(x), or
softplus's sigmoid, come out of the chain rule (``erf`` is the one new
primitive, ``ops.Erf``, because no composition can express it).  Each is
also a Tensor method (``x.gelu()``) and a Keras ``activation=`` name
(``Dense(64, activation="gelu")``).

Kinks follow the conventions of ``derived.py``: the gradient at the corners
of relu6 and hard_sigmoid is 0 (they are flat on one side), elu's at 0 is
``alpha`` (the x <= 0 side).
"""
from __future__ import annotations

import math

import numpy as np

from . import derived as D
from . import ops
from .function import kernel
from .numpy_api._common import branches, floating
from .numpy_api.elementwise import erf, expm1, log1p
from .recording import composite
from .tensor import Tensor

__all__ = ["softplus", "relu6", "hard_sigmoid", "hard_swish", "hardswish", "elu", "selu", "silu",
           "swish", "mish", "gelu", "softsign"]

#: SELU's constants (Klambauer et al., 2017), as in Keras and PyTorch.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@composite
def softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): ``exp`` never sees a positive number.

    Both pieces pick the same side at 0 (x >= 0), so the gradient there is
    exactly sigmoid(0) = 1/2.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1000.0, 0.0, 1000.0], dtype="float64").softplus().tolist()
    [0.0, 0.6931471805599453, 1000.0]
    """
    x = floating(x)
    positive = kernel(np.greater_equal, x._data, 0)
    minus_abs = x * Tensor._const(kernel(np.where, positive, -1, 1), x)     # -|x|
    return D.where(positive, x, 0.0) + log1p(D.exp(minus_abs))


@composite
def relu6(x):
    """min(max(x, 0), 6): ReLU capped at 6 (MobileNet's); gradient 1 strictly inside (0, 6).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 3.0, 8.0]).relu6()
    Tensor([0., 3., 6.], shape=(3,), dtype=float32)
    """
    x = floating(x)
    d = x._data
    inside = kernel(np.logical_and, kernel(np.greater, d, 0), kernel(np.less, d, 6))
    return ops.Where.apply(x, Tensor._const(kernel(np.clip, d, 0, 6), x), cond=inside)


@composite
def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (Keras 3's definition, and
    PyTorch's hardsigmoid; Keras 2 used clip(0.2 x + 0.5, 0, 1)).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-4.0, 0.0, 1.5]).hard_sigmoid()
    Tensor([0.  , 0.5 , 0.75], shape=(3,), dtype=float32)
    """
    return relu6(floating(x) + 3) * (1 / 6)


@composite
def hard_swish(x):
    """x hard_sigmoid(x): MobileNetV3's cheap swish (PyTorch's hardswish, Keras' hard_silu).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-4.0, 0.0, 4.0]).hard_swish()
    Tensor([-0.,  0.,  4.], shape=(3,), dtype=float32)
    """
    x = floating(x)
    return x * hard_sigmoid(x)


hardswish = hard_swish


@composite
def elu(x, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise; ``expm1`` sees only x <= 0 (no overflow).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 2.0]).elu()
    Tensor([-0.6321,  2.    ], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return branches(kernel(np.greater, x._data, 0), x, lambda x: x,
                    lambda x: expm1(x) * alpha, 0.0, 0.0)


@composite
def selu(x):
    """scale elu(x, alpha), with the constants that keep activations normalized.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 1.0]).selu()
    Tensor([-1.1113,  1.0507], shape=(2,), dtype=float32)
    """
    return elu(x, SELU_ALPHA) * SELU_SCALE


@composite
def silu(x):
    """x sigmoid(x), the sigmoid-weighted linear unit (``swish``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 0.0, 1.0]).silu()
    Tensor([-0.2689,  0.    ,  0.7311], shape=(3,), dtype=float32)
    """
    x = floating(x)
    return x * D.sigmoid(x)


swish = silu


@composite
def mish(x):
    """x tanh(softplus(x)) (Misra, 2019).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 0.0, 1.0]).mish()
    Tensor([-0.3034,  0.    ,  0.8651], shape=(3,), dtype=float32)
    """
    x = floating(x)
    return x * D.tanh(softplus(x))


@composite
def gelu(x, approximate=False):
    """x Phi(x), Phi the standard normal CDF: x (1 + erf(x / sqrt 2)) / 2.

    ``approximate=True`` gives the tanh form of Hendrycks and Gimpel,
    x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2.  The exact form is
    Keras' and PyTorch's default.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 0.0, 1.0]).gelu()
    Tensor([-0.1587,  0.    ,  0.8413], shape=(3,), dtype=float32)
    """
    x = floating(x)
    if approximate:
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (D.tanh(inner) + 1) * 0.5
    return x * (erf(x * (1 / math.sqrt(2))) + 1) * 0.5


@composite
def softsign(x):
    """x / (1 + |x|).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.Tensor([-1.0, 3.0]).softsign()
    Tensor([-0.5 ,  0.75], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return x / (D.abs(x) + 1)


_METHODS = ("softplus", "relu6", "hard_sigmoid", "hard_swish", "hardswish", "elu", "selu",
            "silu", "swish", "mish", "gelu", "softsign")


def install_methods(cls):
    """Attach the activations to ``cls`` (Tensor) as methods: ``x.gelu()``."""
    for name in _METHODS:
        setattr(cls, name, globals()[name])
