"""Weight initialisers: functions that return a fresh float32 array of a given shape.

Every initialiser has the signature ``init(shape, rng=None, dtype='float32')``
and draws from ``rng`` (default: the global generator, see
:func:`tinygrad_edu.manual_seed`).  For a Dense kernel of shape
``(fan_in, fan_out)``:

- ``glorot_uniform``: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Keras' default)
- ``glorot_normal``: truncated N(0, s), s = sqrt(2 / (fan_in + fan_out))
- ``he_uniform``: U(-l, l), l = sqrt(6 / fan_in) (made for ReLU layers)
- ``he_normal``: truncated N(0, s), s = sqrt(2 / fan_in)
- ``small_normal``: N(0, 1) * 0.1, the article's NumPy version (``randn * 0.1``)
- ``random_normal``: N(0, 0.05), Keras' ``RandomNormal``
- ``zeros``, ``ones``; :func:`constant` makes any other constant

"Truncated" normal follows Keras: values further than 2 standard deviations
are redrawn, and the standard deviation is divided by 0.8796... so that the
truncated distribution keeps the intended variance.

Examples
--------
>>> import tinygrad_edu as tg
>>> from tinygrad_edu.nn import init
>>> _ = tg.manual_seed(0)
>>> w = init.get("glorot_uniform")((2, 4))
>>> w.shape, w.dtype, bool(abs(w).max() <= (6 / 6) ** 0.5)
((2, 4), dtype('float32'), True)
"""
from __future__ import annotations

import math

import numpy as np

from ..random import get_rng

__all__ = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "small_normal",
           "random_normal", "zeros", "ones", "constant", "get", "INITIALIZERS"]

#: Standard deviation of N(0, 1) truncated to [-2, 2] (Keras' correction factor).
_TRUNC_STD = 0.87962566103423978


def _fans(shape):
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _uniform(shape, limit, rng, dtype):
    rng = get_rng() if rng is None else rng
    return rng.uniform(-limit, limit, size=tuple(shape)).astype(dtype)


def _truncated_normal(shape, std, rng, dtype):
    rng = get_rng() if rng is None else rng
    std = std / _TRUNC_STD
    out = rng.standard_normal(tuple(shape))
    bad = np.abs(out) > 2
    while bad.any():                       # redraw the tails, as Keras does
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * std).astype(dtype)


def glorot_uniform(shape, rng=None, dtype="float32"):
    """Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return _uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)), rng, dtype)


def glorot_normal(shape, rng=None, dtype="float32"):
    """Glorot (Xavier) normal: truncated N(0, sqrt(2 / (fan_in + fan_out)))."""
    fan_in, fan_out = _fans(shape)
    return _truncated_normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), rng, dtype)


def he_uniform(shape, rng=None, dtype="float32"):
    """He (Kaiming) uniform: U(-l, l) with l = sqrt(6 / fan_in); suits ReLU layers."""
    fan_in, _ = _fans(shape)
    return _uniform(shape, math.sqrt(6.0 / fan_in), rng, dtype)


def he_normal(shape, rng=None, dtype="float32"):
    """He (Kaiming) normal: truncated N(0, sqrt(2 / fan_in))."""
    fan_in, _ = _fans(shape)
    return _truncated_normal(shape, math.sqrt(2.0 / fan_in), rng, dtype)


def small_normal(shape, rng=None, dtype="float32"):
    """N(0, 1) * 0.1 -- the article's NumPy network (``np.random.randn(...) * 0.1``)."""
    rng = get_rng() if rng is None else rng
    return (rng.standard_normal(tuple(shape)) * 0.1).astype(dtype)


def random_normal(shape, rng=None, dtype="float32", mean=0.0, stddev=0.05):
    """N(mean, stddev), Keras' ``RandomNormal`` (stddev 0.05)."""
    rng = get_rng() if rng is None else rng
    return rng.normal(mean, stddev, size=tuple(shape)).astype(dtype)


def zeros(shape, rng=None, dtype="float32"):
    """All zeros (Keras' default bias)."""
    return np.zeros(tuple(shape), dtype=dtype)


def ones(shape, rng=None, dtype="float32"):
    """All ones."""
    return np.ones(tuple(shape), dtype=dtype)


def constant(value):
    """An initialiser filling with ``value``, e.g. ``bias_initializer=init.constant(0.01)``.

    Examples
    --------
    >>> from tinygrad_edu.nn import init
    >>> init.constant(0.5)((3,))
    array([0.5, 0.5, 0.5], dtype=float32)
    """
    value = float(value)

    def constant_init(shape, rng=None, dtype="float32"):
        return np.full(tuple(shape), value, dtype=dtype)
    constant_init.__name__ = f"constant({value})"
    return constant_init


INITIALIZERS = {
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "small_normal": small_normal, "random_normal": random_normal,
    "zeros": zeros, "ones": ones,
}
_ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
            "kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal"}


def get(initializer):
    """Look an initialiser up by name (or return a callable unchanged).

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    if callable(initializer):
        return initializer
    if isinstance(initializer, str):
        key = _ALIASES.get(initializer.lower(), initializer.lower())
        if key in INITIALIZERS:
            return INITIALIZERS[key]
        raise ValueError(f"unknown initializer {initializer!r}; valid names: "
                         f"{', '.join(sorted(INITIALIZERS))} (or pass a callable "
                         f"f(shape, rng=None, dtype='float32') -> ndarray)")
    raise TypeError(f"initializer must be a name or a callable, got {type(initializer).__name__}")
