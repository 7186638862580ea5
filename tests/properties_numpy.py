"""Property-test specs of the NumPy vocabulary (``tinygrad_edu.numpy_api``), ``ops.Erf``
and the activations (``tinygrad_edu.activations``).

Imported by ``tests/test_properties.py``, which runs every registered spec
(first and second order against finite differences, in float64, and the
laws).  These ops are many and some are dear (einsum, kron), so each spec
takes a few examples (``examples=``) rather than the profile's full count.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg
from property_registry import (SIDE, Case, T, axis_arg, bshapes, elementwise, no_kink, shape,
                               spec, untied)
from tinygrad_edu import activations as A
from tinygrad_edu import derived as D
from tinygrad_edu import numpy_api as N
from tinygrad_edu import ops
from tinygrad_edu.testing import strategies as ts

FEW = 8                                    # examples per spec (second order: half)
INTEGERS = tuple(float(k) for k in range(-4, 5))
HALVES = tuple(k + 0.5 for k in range(-4, 4))
TENTHS = tuple(k / 10 + 0.05 for k in range(-11, 11))           # round(x, 1) steps at 0.05, 0.15, ...


def unary(name, fn, elements=None, targets=None, examples=FEW):
    """Register the spec of a one-input elementwise op on ``elements``."""
    @spec(name, *(targets or (fn,)), examples=examples)
    def _cases(draw):
        return Case(fn, [draw(T(shape(draw), elements=elements))])


unary("expm1", N.expm1, ts.reals(-4, 4))
unary("log1p", N.log1p, ts.reals(-0.9, 3))
unary("exp2", N.exp2, ts.reals(-4, 4))
unary("log2", N.log2, ts.positives())
unary("log10", N.log10, ts.positives())
unary("sinh", N.sinh)
unary("cosh", N.cosh)
unary("tan", N.tan, ts.reals(-1.2, 1.2))
unary("arcsinh", N.arcsinh, ts.reals(-4, 4))
unary("arccosh", N.arccosh, ts.reals(1.1, 4))
unary("arctanh", N.arctanh, ts.reals(-0.9, 0.9))
unary("Erf", ops.Erf.apply, ts.reals(-5, 5), (ops.Erf,))        # all three of its ranges
unary("erf", N.erf, ts.reals(-5, 5))
unary("floor", N.floor, ts.reals(avoid=INTEGERS))          # steps: gradient 0 between them
unary("floor_divide", lambda x: N.floor_divide(x, 1.0), ts.reals(avoid=INTEGERS),
      (N.floor_divide,))
unary("ceil", N.ceil, ts.reals(avoid=INTEGERS))
unary("trunc", N.trunc, ts.reals(avoid=INTEGERS))
unary("fix", N.fix, ts.reals(avoid=INTEGERS))
unary("rint", N.rint, ts.reals(avoid=HALVES))
unary("round", lambda x: N.round(x, 1), ts.reals(-1, 1, avoid=TENTHS), (N.round,))
unary("deg2rad", N.deg2rad)
unary("rad2deg", N.rad2deg)
unary("softplus", A.softplus, st.one_of(st.just(0.0), ts.reals(-30, 30)))
unary("relu6", A.relu6, ts.reals(-2, 8, avoid=(0.0, 6.0)))
unary("hard_sigmoid", A.hard_sigmoid, ts.reals(-5, 5, avoid=(-3.0, 3.0)))
unary("hard_swish", A.hard_swish, ts.reals(-5, 5, avoid=(-3.0, 3.0)))
unary("selu", A.selu, no_kink)
unary("silu", A.silu, ts.reals(-8, 8))
unary("mish", A.mish, ts.reals(-8, 8))
unary("softsign", A.softsign, no_kink)                     # (|x|: a kink in the 2nd derivative)


@spec("elu", A.elu, examples=FEW)
def _elu(draw):
    alpha = draw(st.sampled_from([1.0, 0.5, 2.0]))
    return Case(lambda x: A.elu(x, alpha), [draw(T(shape(draw), elements=no_kink))])


@spec("gelu", A.gelu, examples=FEW)
def _gelu(draw):
    approximate = draw(st.booleans())
    return Case(lambda x: A.gelu(x, approximate), [draw(T(shape(draw), elements=ts.reals(-6, 6)))])


# -------------------------------------------------------------------- binary ---
@spec("logaddexp", N.logaddexp, broadcasting=True, examples=FEW)
def _logaddexp(draw):
    return elementwise(draw, N.logaddexp)


@spec("logaddexp2", N.logaddexp2, broadcasting=True, examples=FEW)
def _logaddexp2(draw):
    return elementwise(draw, N.logaddexp2)


@spec("logaddexp_ties", N.logaddexp, examples=FEW)
def _logaddexp_ties(draw):
    """Equal operands: hi and lo pick the same side, so the smooth function's derivatives
    come out (1/2 each, second derivative 1/4) -- no kink at all."""
    x = draw(T(shape(draw)))
    return Case(lambda a: N.logaddexp(a, a * 1.0) + N.logaddexp2(a * 1.0, a), [x])


DIVISORS = [-2.5, -1.3, 1.5, 2.2, 3.0]     # 1 / b is at least 0.2 away from an integer


@spec("remainder", N.remainder, broadcasting=True, examples=FEW)
def _remainder(draw):
    """a / b stays away from the integers, where the remainder jumps: a = b (k + f) with
    f in [0.05, 0.95], or a = 1 with b from DIVISORS."""
    s = shape(draw)
    kind = draw(st.sampled_from(["same shape", "scalar b", "scalar a"]))
    divisors = st.sampled_from(DIVISORS)
    if kind == "scalar a":
        a, b = np.asarray(1.0), draw(ts.arrays(s, elements=divisors))
    else:
        b = draw(ts.arrays(s if kind == "same shape" else (), elements=divisors))
        q = draw(ts.arrays(s, elements=st.integers(-2, 2).map(float)))
        a = b * (q + draw(ts.arrays(s, elements=ts.reals(0.05, 0.95))))
    full = np.broadcast_shapes(a.shape, b.shape)
    xs = [tg.Tensor(v, requires_grad=True) for v in (a, b)]
    return Case(N.remainder, xs, [full, full])


def _untied_pair(draw, fn):
    sa, sb = bshapes(draw, 2)
    full = np.broadcast_shapes(sa, sb)
    return Case(fn, untied(draw, sa, sb), [full, full])


@spec("fmax", N.fmax, broadcasting=True, examples=FEW)
def _fmax(draw):
    return _untied_pair(draw, N.fmax)


@spec("fmin", N.fmin, broadcasting=True, examples=FEW)
def _fmin(draw):
    return _untied_pair(draw, N.fmin)


# ------------------------------------------------------- reductions, scans ---
@spec("prod", N.prod, examples=FEW)
def _prod(draw):
    """Zeros included: prod's gradient is the product of the others, also at a 0."""
    x = draw(T(shape(draw, max_dims=2), elements=st.one_of(st.just(0.0), ts.reals(-1.5, 1.5))))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: N.prod(x, axis, keepdims), [x])


@spec("cumsum", N.cumsum, examples=FEW)
def _cumsum(draw):
    x = draw(T(shape(draw, max_side=5)))
    axis = axis_arg(draw, x.ndim, allow_tuple=False)
    return Case(lambda x: N.cumsum(x, axis), [x])


@spec("cumprod", N.cumprod, examples=FEW)
def _cumprod(draw):
    x = draw(T(shape(draw, max_side=4), elements=st.one_of(st.just(0.0), ts.reals(-1.5, 1.5))))
    axis = axis_arg(draw, x.ndim, allow_tuple=False)
    return Case(lambda x: N.cumprod(x, axis), [x])


@spec("diff", N.diff, examples=FEW)
def _diff(draw):
    x = draw(T(shape(draw, min_dims=1, max_side=4)))
    n, axis = draw(st.integers(0, 2)), draw(st.integers(-x.ndim, x.ndim - 1))
    prepend = draw(st.sampled_from([None, 0.5]))
    return Case(lambda x: N.diff(x, n, axis, prepend=prepend, append=x), [x])


@spec("sort", N.sort, examples=FEW)
def _sort(draw):
    (x,) = untied(draw, shape(draw, min_dims=1, max_side=4))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    return Case(lambda x: N.sort(x, axis), [x])


# ------------------------------------------------------------------ shapes ---
@spec("moveaxis", N.moveaxis, examples=FEW)
def _moveaxis(draw):
    x = draw(T(shape(draw, min_dims=1)))
    k = draw(st.integers(1, x.ndim))
    src = draw(st.permutations(range(x.ndim)))[:k]
    dst = draw(st.permutations(range(-x.ndim, 0)))[:k]
    return Case(lambda x: N.moveaxis(x, src, dst), [x])


@spec("repeat", N.repeat, examples=FEW)
def _repeat(draw):
    x = draw(T(shape(draw, min_dims=1)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    n = x.size if axis is None else x.shape[axis]
    repeats = draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n,
                                                          max_size=n)))
    return Case(lambda x: N.repeat(x, repeats, axis), [x])


@spec("tile", N.tile, examples=FEW)
def _tile(draw):
    x = draw(T(shape(draw)))
    reps = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), max_size=4).map(tuple)))
    return Case(lambda x: N.tile(x, reps), [x])


@spec("atleast_nd", N.atleast_1d, N.atleast_2d, N.atleast_3d, examples=FEW)
def _atleast(draw):
    fn = draw(st.sampled_from([N.atleast_1d, N.atleast_2d, N.atleast_3d]))
    return Case(fn, [draw(T(shape(draw)))])


def _weighted(pieces, axis):
    """The pieces joined again, each times its own factor (so the gradient tells them apart)."""
    return D.cat([p * (i + 1.0) for i, p in enumerate(pieces)], axis=axis)


@spec("split", N.split, N.array_split, examples=FEW)
def _split(draw):
    x = draw(T(shape(draw, min_dims=1, max_side=4)))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    if draw(st.booleans()):
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        fn = draw(st.sampled_from([N.split, N.array_split]))
        return Case(lambda x: _weighted(fn(x, cuts, axis), axis), [x])
    if draw(st.booleans()):
        sections = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        return Case(lambda x: _weighted(N.split(x, sections, axis), axis), [x])
    sections = draw(st.integers(1, n))
    return Case(lambda x: _weighted(N.array_split(x, sections, axis), axis), [x])


@spec("stacks", N.vstack, N.hstack, N.column_stack, examples=FEW)
def _stacks(draw):
    fn = draw(st.sampled_from([N.vstack, N.hstack, N.column_stack]))
    s = shape(draw, max_dims=2) if fn is not N.column_stack else shape(draw, min_dims=1,
                                                                        max_dims=2)
    xs = [draw(T(s)) for _ in range(draw(st.integers(1, 3)))]
    return Case(lambda *t: fn(list(t)), xs)


@spec("flip", N.flip, examples=FEW)
def _flip(draw):
    x = draw(T(shape(draw)))
    axis = axis_arg(draw, x.ndim) if x.ndim else None
    return Case(lambda x: N.flip(x, axis), [x])


@spec("roll", N.roll, examples=FEW)
def _roll(draw):
    x = draw(T(shape(draw)))
    shift = draw(st.integers(-4, 4))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None
    return Case(lambda x: N.roll(x, shift, axis), [x])


# ----------------------------------------------------------------- products ---
@spec("tensordot", N.tensordot, examples=FEW)
def _tensordot(draw):
    sa = shape(draw)
    k = draw(st.integers(0, len(sa)))
    sb = sa[len(sa) - k:] + shape(draw, max_dims=2)
    return Case(lambda a, b: N.tensordot(a, b, k), [draw(T(sa)), draw(T(sb))])


@spec("dot_inner_outer", N.dot, N.inner, N.outer, examples=FEW)
def _dot(draw):
    fn = draw(st.sampled_from([N.dot, N.inner, N.outer]))
    sa = shape(draw)
    if fn is N.outer:
        sb = shape(draw)
    elif not sa:
        sb = shape(draw)
    elif fn is N.inner:
        sb = shape(draw, max_dims=2) + sa[-1:]
    else:
        sb = draw(st.sampled_from([sa[-1:], (sa[-1], 2), (2, sa[-1], 3), ()]))
    return Case(fn, [draw(T(sa)), draw(T(sb))])


@spec("kron", N.kron, examples=FEW)
def _kron(draw):
    return Case(N.kron, [draw(T(shape(draw, max_side=2))), draw(T(shape(draw, max_side=2)))])


EINSUMS = [("ij,jk->ik", "ij jk"), ("bij,bjk->bik", "bij bjk"), ("ii", "ii"), ("ii->i", "ii"),
           ("ij->", "ij"), ("ij->ji", "ij"), ("i,j", "i j"), ("i,i->", "i i"),
           ("...ij,...jk->...ik", "xij jk"), ("ij,jk,kl->il", "ij jk kl"), ("iij->ji", "iij"),
           ("ij,ij->ij", "1j ij"), ("ba,cb", "ba cb")]


@spec("einsum", N.einsum, examples=FEW)
def _einsum(draw):
    subscripts, letters = draw(st.sampled_from(EINSUMS))
    size = {c: draw(st.integers(1, SIDE)) for c in "abcijklx"}
    size["1"] = 1
    xs = [draw(T(tuple(size[c] for c in term))) for term in letters.split()]
    return Case(lambda *t: N.einsum(subscripts, *t), xs)


@spec("diagonal_trace", N.diagonal, N.trace, examples=FEW)
def _diagonal(draw):
    x = draw(T(shape(draw, min_dims=2)))
    i, j = draw(st.permutations(range(x.ndim)))[:2]
    offset = draw(st.integers(-2, 2))
    fn = draw(st.sampled_from([N.diagonal, N.trace]))
    return Case(lambda x: fn(x, offset, i, j), [x])


@spec("diag", N.diag, examples=FEW)
def _diag(draw):
    x = draw(T(shape(draw, min_dims=1, max_dims=2)))
    k = draw(st.integers(-2, 2))
    return Case(lambda x: N.diag(x, k), [x])


@spec("tril_triu", N.tril, N.triu, examples=FEW)
def _triangles(draw):
    x = draw(T(shape(draw, min_dims=1)))
    fn, k = draw(st.sampled_from([N.tril, N.triu])), draw(st.integers(-2, 2))
    return Case(lambda x: fn(x, k), [x])


@spec("cross", N.cross, broadcasting=True, examples=FEW)
def _cross(draw):
    sa, sb = bshapes(draw, 2, max_dims=2)
    full = np.broadcast_shapes(sa, sb)
    xs = [draw(T(s + (3,))) for s in (sa, sb)]
    return Case(N.cross, xs, [full + (3,)] * 2)


# ------------------- NumPy's names for the Tensor's own operations (basics.py) ---
unary("np.negative", N.negative)
unary("np.positive", N.positive)
unary("np.square", N.square)
unary("np.sqrt", N.sqrt, ts.positives())
unary("np.exp", N.exp, ts.reals(-4, 4))
unary("np.log", N.log, ts.positives())
unary("np.abs", N.abs, no_kink)                            # (absolute: the same function)
unary("np.fabs", N.fabs, no_kink)
unary("np.sin", N.sin)
unary("np.cos", N.cos)
unary("np.tanh", N.tanh)
unary("np.clip", lambda x: N.clip(x, -1.0, 1.5), ts.reals(-3, 3, avoid=(-1.0, 1.5)), (N.clip,))
for _name, _fn, _elements in [("add", N.add, (None, None)), ("subtract", N.subtract, (None, None)),
                              ("multiply", N.multiply, (None, None)),
                              ("divide", N.divide, (None, ts.positives())),
                              ("power", N.power, (ts.positives(), None))]:
    spec(f"np.{_name}", _fn, broadcasting=True, examples=FEW)(
        lambda draw, fn=_fn, elements=_elements: elementwise(draw, fn, 2, elements))


@spec("np.matmul", N.matmul, examples=FEW)
def _np_matmul(draw):
    n, k, m = (draw(st.integers(1, SIDE)) for _ in range(3))
    batch = shape(draw, max_dims=1)
    return Case(N.matmul, [draw(T(batch + (n, k))), draw(T((k, m)))])


@spec("np.reductions", N.sum, N.mean, N.var, N.std, N.max, N.min, examples=FEW)
def _np_reductions(draw):
    """Untied values, reduced over >= 2 of them (std is differentiable where var > 0)."""
    fn = draw(st.sampled_from([N.sum, N.mean, N.var, N.std, N.max, N.min]))
    (x,) = untied(draw, shape(draw, min_dims=1, min_side=2))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: fn(x, axis=axis, keepdims=keepdims), [x])


@spec("np.shapes", N.reshape, N.transpose, N.swapaxes, N.squeeze, N.expand_dims,
      N.concatenate, examples=FEW)
def _np_shapes(draw):
    x = draw(T(shape(draw, min_dims=1)))
    axes = draw(st.permutations(range(x.ndim)))
    cases = [lambda x: N.reshape(x, (-1,)), lambda x: N.transpose(x, axes),
             lambda x: N.transpose(x), lambda x: N.swapaxes(x, 0, -1),
             lambda x: N.squeeze(N.expand_dims(x, 0)),
             lambda x: N.concatenate([x, x * 2.0], axis=-1)]
    return Case(draw(st.sampled_from(cases)), [x])
