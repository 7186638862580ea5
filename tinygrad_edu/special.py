"""The error function on NumPy arrays: W. J. Cody's rational approximations.

NumPy has no ``erf`` (SciPy and the standard library's ``math.erf`` do), and
``math.erf`` applied element by element costs a Python call per element.
This module computes it for whole arrays, to float64 roundoff, with the
near-minimax rational functions of

    W. J. Cody, "Rational Chebyshev approximations for the error function",
    Mathematics of Computation 23 (1969), pp. 631-638,

in the form of Cody's Fortran package CALERF (netlib's specfun), whose
coefficients are those below.  Three ranges of ``y = |x|``:

* ``y <= 0.46875``:  erf(x) = x P(x^2) / Q(x^2);
* ``0.46875 < y <= 4``:  erfc(y) = exp(-y^2) P(y) / Q(y);
* ``y > 4``:  erfc(y) = exp(-y^2) / y (1/sqrt(pi) + z P(z) / Q(z)),  z = 1 / y^2,

then erf(x) = sign(x) (1 - erfc(y)).  ``exp(-y^2)`` is taken as
``exp(-r^2) exp(-(y - r)(y + r))`` with ``r = y`` rounded down to a multiple of
1/16, so the rounding of ``y * y`` is not magnified by ``exp`` (Cody's trick).
``tests/test_numpy_api.py`` checks the result against ``math.erf`` at many
points.  ``ops.Erf`` is the primitive that uses it; this module knows nothing
about tensors.

Examples
--------
>>> import math
>>> import numpy as np
>>> x = np.array([-2.0, 0.1, 0.5, 3.0])
>>> bool(np.allclose(erf(x), [math.erf(v) for v in x], rtol=1e-15, atol=0))
True
"""
from __future__ import annotations

import numpy as np

__all__ = ["erf"]

# Cody's coefficients, highest degree first (numerator P, denominator Q with leading 1).
_SMALL_P = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
            3.77485237685302021e02, 3.20937758913846947e03)
_SMALL_Q = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
_MID_P = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
          6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
          1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_MID_Q = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_BIG_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
          1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_BIG_Q = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 0.56418958354775628695
_THRESHOLD = 0.46875
_XBIG = 26.543           # erfc(y) underflows to 0 beyond this


def _ratio(p, q, t):
    """p(t) / q(t) by Horner's rule (coefficients highest degree first)."""
    num, den = np.full_like(t, p[0]), np.full_like(t, q[0])
    for a, b in zip(p[1:], q[1:]):
        num *= t
        num += a
        den *= t
        den += b
    for a in p[len(q):]:                       # (a numerator of higher degree)
        num *= t
        num += a
    return num / den


def _exp_minus_square(y):
    """exp(-y^2), with y*y split so that its rounding error is not amplified."""
    r = np.floor(y * 16) / 16
    return np.exp(-r * r) * np.exp(-(y - r) * (y + r))


def _erfc_of_abs(y):
    """erfc(y) for y > 0.46875 (Cody's second and third ranges); each element is computed
    by its own range only."""
    out = np.empty_like(y)
    mid = y <= 4
    out[mid] = _ratio(_MID_P, _MID_Q, y[mid])
    big = y[~mid]                              # (NaN goes here and stays NaN)
    z = 1 / (big * big)
    out[~mid] = (_ONE_OVER_SQRT_PI - z * _ratio(_BIG_P, _BIG_Q, z)) / big
    return out * _exp_minus_square(np.minimum(y, _XBIG))   # beyond XBIG, 1 - erfc is 1


def erf(x):
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise.

    Float32 (and smaller) inputs are computed in float64 and rounded back;
    NaN gives NaN, +-inf gives +-1.

    Examples
    --------
    >>> import numpy as np
    >>> erf(np.array([0.0, 1.0, -np.inf], dtype=np.float32))
    array([ 0.       ,  0.8427008, -1.       ], dtype=float32)
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.result_type(x.dtype, np.float16)
    v = np.array(x, dtype=np.float64, ndmin=1)
    out = np.empty_like(v)
    small = np.abs(v) <= _THRESHOLD
    t = v[small]
    out[small] = t * _ratio(_SMALL_P, _SMALL_Q, t * t)
    t = v[~small]
    out[~small] = np.copysign((0.5 - _erfc_of_abs(np.abs(t))) + 0.5, t)
    return out.reshape(x.shape).astype(dtype, copy=False)
