"""NumPy's vocabulary, as HIPS autograd's test_systematic checks it: values against NumPy,
gradients (first and second order) against finite differences, in float64.

Plus what a table of random inputs does not show: accuracy in units in the
last place over wide ranges (and exactness where NumPy is exact), dtypes,
the Tensor methods, the error messages, and the gradients at zeros and ties.
The hypothesis-driven checks of the same ops are in test_properties.py.
"""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import numpy_api
from tinygrad_edu.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(16)


def draw(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, shape)


X, Y = draw(3, 4), draw(3, 4)
POS, ABOVE1, UNIT = draw(3, 4, low=0.1, high=3), draw(3, 4, low=1.1, high=4), draw(3, 4, low=-.9,
                                                                                  high=.9)
CUBE, CUBE2 = draw(2, 3, 4), draw(2, 4, 5)
np_erf = np.vectorize(math.erf)

# (name, ours, NumPy's, inputs)
CASES = [
    ("expm1", tg.expm1, np.expm1, [X]), ("log1p", tg.log1p, np.log1p, [POS - 0.05]),
    ("exp2", tg.exp2, np.exp2, [X]), ("log2", tg.log2, np.log2, [POS]),
    ("log10", tg.log10, np.log10, [POS]), ("sinh", tg.sinh, np.sinh, [X]),
    ("cosh", tg.cosh, np.cosh, [X]), ("tan", tg.tan, np.tan, [UNIT]),
    ("arcsinh", tg.arcsinh, np.arcsinh, [X]), ("arccosh", tg.arccosh, np.arccosh, [ABOVE1]),
    ("arctanh", tg.arctanh, np.arctanh, [UNIT]), ("erf", tg.erf, np_erf, [X * 2]),
    ("floor", tg.floor, np.floor, [X]), ("ceil", tg.ceil, np.ceil, [X]),
    ("trunc", tg.trunc, np.trunc, [X]), ("fix", tg.fix, np.fix, [X]), ("rint", tg.rint, np.rint, [X]),
    ("round", tg.round, np.round, [X]), ("around", tg.around, np.around, [X]),
    ("round_decimals", lambda a: tg.round(a, 2), lambda a: np.round(a, 2), [X * 10]),
    ("round_tens", lambda a: a.round(-1), lambda a: np.round(a, -1), [X * 100]),
    ("sign", tg.sign, np.sign, [X]), ("deg2rad", tg.deg2rad, np.deg2rad, [X]),
    ("rad2deg", tg.rad2deg, np.rad2deg, [X]), ("logaddexp", tg.logaddexp, np.logaddexp, [X, Y]),
    ("logaddexp2", tg.logaddexp2, np.logaddexp2, [X, Y[0]]),
    ("remainder", tg.remainder, np.remainder, [X, POS]), ("fmax", tg.fmax, np.fmax, [X, Y]),
    ("fmin", tg.fmin, np.fmin, [X[:1], Y]),
    ("prod", tg.prod, np.prod, [X]),
    ("prod_axis", lambda a: tg.prod(a, axis=1, keepdims=True),
     lambda a: np.prod(a, axis=1, keepdims=True), [X]),
    ("prod_axes", lambda a: tg.prod(a, axis=(0, 2)), lambda a: np.prod(a, axis=(0, 2)), [CUBE]),
    ("cumsum", tg.cumsum, np.cumsum, [X]),
    ("cumsum_axis", lambda a: tg.cumsum(a, 0), lambda a: np.cumsum(a, 0), [CUBE]),
    ("cumprod", lambda a: tg.cumprod(a, 1), lambda a: np.cumprod(a, 1), [X]),
    ("diff", tg.diff, np.diff, [X]),
    ("diff_edges", lambda a: tg.diff(a, 2, axis=0, prepend=1.0, append=a[:1]),
     lambda a: np.diff(a, 2, axis=0, prepend=1.0, append=a[:1]), [X]),
    ("sort", tg.sort, np.sort, [X]), ("sort_axis", lambda a: tg.sort(a, 0),
                                      lambda a: np.sort(a, 0), [X]),
    ("sort_flat", lambda a: tg.sort(a, None), lambda a: np.sort(a, None), [X]),
    ("moveaxis", lambda a: tg.moveaxis(a, (0, 1), (2, 0)),
     lambda a: np.moveaxis(a, (0, 1), (2, 0)), [CUBE]),
    ("repeat", lambda a: tg.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1), [X]),
    ("repeat_flat", lambda a: tg.repeat(a, 3), lambda a: np.repeat(a, 3), [X]),
    ("repeat_list", lambda a: tg.repeat(a, [1, 0, 2], axis=0),
     lambda a: np.repeat(a, [1, 0, 2], axis=0), [X]),
    ("tile", lambda a: tg.tile(a, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), [X]),
    ("tile_int", lambda a: tg.tile(a, 2), lambda a: np.tile(a, 2), [X]),
    ("kron", tg.kron, np.kron, [X, Y[:2, :3]]), ("kron_ndim", tg.kron, np.kron, [X[0], Y]),
    ("inner", tg.inner, np.inner, [X, Y]), ("dot", tg.dot, np.dot, [X, Y.T]),
    ("dot_nd", tg.dot, np.dot, [CUBE, draw(5, 4, 2)]), ("dot_mv", tg.dot, np.dot, [X, Y[0]]),
    ("dot_scalar", tg.dot, np.dot, [X, np.array(2.0)]), ("outer", tg.outer, np.outer, [X, Y[0]]),
    ("tensordot", lambda a, b: tg.tensordot(a, b, ([0, 1], [1, 0])),
     lambda a, b: np.tensordot(a, b, ([0, 1], [1, 0])), [X, Y.T]),
    ("tensordot_0", lambda a, b: tg.tensordot(a, b, 0), lambda a, b: np.tensordot(a, b, 0),
     [X[0], Y[1]]),
    ("trace", tg.trace, np.trace, [X]),
    ("trace_offset", lambda a: tg.trace(a, 1), lambda a: np.trace(a, 1), [X]),
    ("diagonal", lambda a: tg.diagonal(a, -1, 2, 0), lambda a: np.diagonal(a, -1, 2, 0),
     [draw(3, 2, 4)]),
    ("diag", tg.diag, np.diag, [X]), ("diag_build", lambda a: tg.diag(a, -1),
                                      lambda a: np.diag(a, -1), [X[0]]),
    ("tril", tg.tril, np.tril, [X]),
    ("triu", lambda a: tg.triu(a, 1), lambda a: np.triu(a, 1), [X]),
    ("tril_1d", tg.tril, np.tril, [X[0]]),
    ("triu_batch", lambda a: tg.triu(a, -1), lambda a: np.triu(a, -1), [CUBE]),
    ("cross", tg.cross, np.cross, [X[:, :3], Y[:, :3]]),
    ("cross_axes", lambda a, b: tg.cross(a, b, axisa=0, axisb=1, axisc=0),
     lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), [X[:3], draw(4, 3)]),
    ("split", lambda a: tg.split(a, 2, axis=1)[1], lambda a: np.split(a, 2, axis=1)[1], [X]),
    ("split_at", lambda a: tg.split(a, [1, 2])[2], lambda a: np.split(a, [1, 2])[2], [X]),
    ("array_split", lambda a: tg.array_split(a, 3, axis=1)[0],
     lambda a: np.array_split(a, 3, axis=1)[0], [X]),
    ("vstack", lambda a, b: tg.vstack([a, b]), lambda a, b: np.vstack([a, b]), [X[0], Y[0]]),
    ("hstack", lambda a, b: tg.hstack([a, b]), lambda a, b: np.hstack([a, b]), [X, Y]),
    ("column_stack", lambda a, b: tg.column_stack([a, b]), lambda a, b: np.column_stack([a, b]),
     [X[0], Y.T[:, :1]]),
    ("flip", tg.flip, np.flip, [X]), ("flip_axis", lambda a: tg.flip(a, 1),
                                      lambda a: np.flip(a, 1), [X]),
    ("roll", lambda a: tg.roll(a, 5), lambda a: np.roll(a, 5), [X]),
    ("roll_axes", lambda a: tg.roll(a, (1, -2), (0, 1)), lambda a: np.roll(a, (1, -2), (0, 1)),
     [X]),
    ("atleast_1d", tg.atleast_1d, np.atleast_1d, [np.array(2.0)]),
    ("atleast_2d", tg.atleast_2d, np.atleast_2d, [X[0]]),
    ("atleast_3d", tg.atleast_3d, np.atleast_3d, [X]),
    # NumPy's names for the Tensor's own operations (numpy_api/basics.py)
    ("add", tg.add, np.add, [X, Y[0]]), ("subtract", tg.subtract, np.subtract, [X[:1], Y]),
    ("multiply", tg.multiply, np.multiply, [X, Y]), ("divide", tg.divide, np.divide, [X, POS]),
    ("true_divide", tg.true_divide, np.true_divide, [POS, X]),
    ("negative", tg.negative, np.negative, [X]), ("positive", tg.positive, np.positive, [X]),
    ("power", tg.power, np.power, [POS, Y]),
    ("power_negative_base", lambda a: tg.power(a, tg.Tensor([[2.0], [3.0]])),
     lambda a: np.power(a, [[2.0], [3.0]]), [X[:2]]),      # (exp(b log a) gave NaN there)
    ("power_number", lambda a: tg.power(a, 3), lambda a: np.power(a, 3), [X]),
    ("power_numpy_int", lambda a: tg.power(a, np.int64(3)), lambda a: np.power(a, np.int64(3)),
     [X]),                                                 # (a negative base: not exp(3 log x))
    ("mod", tg.mod, np.mod, [X, POS]), ("square", tg.square, np.square, [X]),
    ("sqrt", tg.sqrt, np.sqrt, [POS]), ("exp", tg.exp, np.exp, [X]), ("log", tg.log, np.log, [POS]),
    ("abs", tg.abs, np.abs, [X]), ("absolute", tg.absolute, np.absolute, [X]),
    ("fabs", tg.fabs, np.fabs, [X]), ("sin", tg.sin, np.sin, [X]), ("cos", tg.cos, np.cos, [X]),
    ("tanh", tg.tanh, np.tanh, [X]), ("radians", tg.radians, np.radians, [X]),
    ("degrees", tg.degrees, np.degrees, [X]), ("sum", tg.sum, np.sum, [X]),
    ("sum_axis", lambda a: tg.sum(a, axis=(0, 2), keepdims=True),
     lambda a: np.sum(a, axis=(0, 2), keepdims=True), [CUBE]),
    ("mean", lambda a: tg.mean(a, 1), lambda a: np.mean(a, 1), [X]),
    ("var", lambda a: tg.var(a, 0, ddof=1), lambda a: np.var(a, 0, ddof=1), [X]),
    ("std", lambda a: tg.std(a, keepdims=True), lambda a: np.std(a, keepdims=True), [X]),
    ("max", lambda a: tg.max(a, 1), lambda a: np.max(a, 1), [X]), ("min", tg.min, np.min, [X]),
    ("amax", lambda a: tg.amax(a, 0), lambda a: np.amax(a, 0), [X]),
    ("amin", lambda a: tg.amin(a, -1, keepdims=True), lambda a: np.amin(a, -1, keepdims=True),
     [CUBE]),
    ("reshape", lambda a: tg.reshape(a, (2, -1)), lambda a: np.reshape(a, (2, -1)), [X]),
    ("transpose", tg.transpose, np.transpose, [CUBE]),
    ("transpose_axes", lambda a: tg.transpose(a, (1, 2, 0)),
     lambda a: np.transpose(a, (1, 2, 0)), [CUBE]),
    ("swapaxes", lambda a: tg.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2), [CUBE]),
    ("squeeze", tg.squeeze, np.squeeze, [X[:1]]),
    ("expand_dims", lambda a: tg.expand_dims(a, 1), lambda a: np.expand_dims(a, 1), [X]),
    ("concatenate", lambda a, b: tg.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], axis=1), [X, Y]),
    ("concatenate_flat", lambda a, b: tg.concatenate([a, b], axis=None),    # backward raised
     lambda a, b: np.concatenate([a, b], axis=None), [CUBE, X]),            # a bare TypeError
    ("matmul", tg.matmul, np.matmul, [CUBE, draw(4, 2)]),
    ("clip", lambda a: tg.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [X]),
] + [(f"einsum {s}", (lambda s: lambda *t: tg.einsum(s, *t))(s),
      (lambda s: lambda *a: np.einsum(s, *a))(s), ins) for s, ins in [
    ("ij,kj->ik", [X, Y]), ("ii", [X[:3, :3]]), ("ii->i", [X[:3, :3]]),
    ("...j,...j->...", [X, Y[0]]), ("ij,jk,kl->il", [X, Y.T, X]), ("ba,cb", [X, Y.T]),
    ("Ab,ab", [X, Y]), ("ij,ij->ij", [X[:1], Y]), ("bij,bjk->bik", [CUBE, CUBE2]),
    ("ijk->j", [CUBE]), ("i,j", [X[0], Y[0]]), ("iij->ji", [draw(3, 3, 2)]),
    ("...ij,...jk", [CUBE, Y.T])]]


@pytest.mark.parametrize("name,ours,theirs,inputs", CASES, ids=[c[0] for c in CASES])
def test_values_match_numpy_and_gradients_match_finite_differences(name, ours, theirs, inputs):
    tensors = [tg.Tensor(a, requires_grad=True) for a in inputs]
    got, want = ours(*tensors), theirs(*inputs)
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-14)
    assert gradcheck(ours, tensors, kinks="raise")
    assert gradgradcheck(ours, tensors, kinks="raise")


def test_every_public_name_is_in_the_table():
    tested = {c[0].split()[0].split("_")[0] for c in CASES} | {"array_split", "column_stack"}
    no_gradient = numpy_api.logical.__all__                 # (tests/test_logical.py)
    untested = [n for n in numpy_api.__all__
                if n.split("_")[0] not in tested and n not in no_gradient]
    assert untested == [], untested


# ------------------------------------------------------------------ accuracy ---
def ulps(got, want):
    """|got - want| in units in the last place of want (0 where both are equal)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    return np.where(same, 0, np.abs(got - want) / np.spacing(np.abs(want)))


WIDE = np.concatenate([-np.logspace(-300, 2.8, 300), np.logspace(-300, 2.8, 300), [0.0]])
POSITIVE = np.concatenate([np.logspace(-300, 300, 400), RNG.uniform(0.5, 2, 200)])


@pytest.mark.parametrize("name,ours,theirs,x,max_ulps", [
    ("expm1", tg.expm1, np.expm1, WIDE, 3),
    ("log1p", tg.log1p, np.log1p, np.concatenate([POSITIVE, -np.logspace(-300, -1e-9, 200)]), 2),
    ("exp2", tg.exp2, np.exp2, np.clip(WIDE * 3, -1070, 1020), 2),
    ("log2", tg.log2, np.log2, POSITIVE, 2),
    ("log10", tg.log10, np.log10, POSITIVE, 2),
    ("sinh", tg.sinh, np.sinh, WIDE, 4),
    ("cosh", tg.cosh, np.cosh, WIDE, 2),
    ("tan", tg.tan, np.tan, RNG.uniform(-1.5, 1.5, 500), 4),
    ("arcsinh", tg.arcsinh, np.arcsinh, np.concatenate([WIDE, POSITIVE]), 3),
    ("arccosh", tg.arccosh, np.arccosh, 1 + POSITIVE, 3),
    ("arctanh", tg.arctanh, np.arctanh, np.concatenate([np.tanh(np.linspace(-15, 15, 401)),
                                                        np.logspace(-300, -1, 100)]), 3),
])
def test_accuracy_over_wide_ranges(name, ours, theirs, x, max_ulps):
    assert ulps(ours(tg.Tensor(x)).numpy(), theirs(x)).max() <= max_ulps


def test_exact_where_numpy_is_exact():
    k = np.arange(-60, 61.0)
    np.testing.assert_array_equal(tg.log2(tg.Tensor(2.0 ** k)).numpy(), k)
    np.testing.assert_array_equal(tg.exp2(tg.Tensor(k)).numpy(), 2.0 ** k)
    d = np.arange(-22, 23.0)
    np.testing.assert_array_equal(tg.log10(tg.Tensor(10.0 ** d)).numpy(), np.log10(10.0 ** d))
    assert tg.log10(tg.Tensor(1000.0)).item() == 3.0             # log(x) / log(10) is not


def test_logaddexp_is_stable_and_handles_infinities():
    a = np.array([1000.0, -1000.0, np.inf, -np.inf, np.inf, 0.0])
    b = np.array([1000.0, -1000.0, np.inf, -np.inf, -np.inf, -50.0])
    np.testing.assert_allclose(tg.logaddexp(tg.Tensor(a), tg.Tensor(b)).numpy(),
                               np.logaddexp(a, b), rtol=1e-15)
    np.testing.assert_allclose(tg.logaddexp2(tg.Tensor(a), tg.Tensor(b)).numpy(),
                               np.logaddexp2(a, b), rtol=1e-15)


@pytest.mark.parametrize("name", ["log1p", "arctanh", "arcsinh", "arccosh", "expm1"])
def test_infinities_and_domain_ends_as_numpy(name):
    """log1p(inf) read NaN (its rounding error inf - inf), and so did arctanh(+-1)."""
    x = np.array([np.inf, -np.inf, 1.0, -1.0, 0.0, -0.0, 2.0, np.nan])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(getattr(tg, name)(tg.Tensor(x)).numpy(),
                                   getattr(np, name)(x), rtol=1e-15)


def test_long_scans_match_numpy():
    x = RNG.standard_normal(1000)
    np.testing.assert_allclose(tg.cumsum(tg.Tensor(x)).numpy(), np.cumsum(x), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(tg.cumprod(tg.Tensor(1 + x / 1e3)).numpy(),
                               np.cumprod(1 + x / 1e3), rtol=1e-12)


# ------------------------------------------------------------- dtypes, methods ---
def test_float32_stays_float32_and_integers_promote_as_numpy():
    x32 = tg.Tensor(X.astype(np.float32))
    for fn in (tg.expm1, tg.log1p, tg.sinh, tg.exp2, tg.arcsinh, tg.erf, tg.floor, tg.cumsum):
        assert fn(x32 if fn is not tg.log1p else x32.abs()).dtype == np.float32, fn.__name__
    ints = np.arange(1, 5)
    for fn, ref in ((tg.log2, np.log2), (tg.sinh, np.sinh), (tg.prod, np.prod),
                    (tg.cumsum, np.cumsum), (tg.floor, np.floor), (tg.sign, np.sign)):
        assert fn(tg.Tensor(ints)).dtype == ref(ints).dtype, fn.__name__


BITS = np.arange(-4, 5).reshape(3, 3)


@pytest.mark.parametrize("name", numpy_api.METHODS)
def test_methods_are_the_functions(name):
    args = {"logaddexp": (Y,), "logaddexp2": (Y,), "remainder": (POS,), "fmax": (Y,),
            "fmin": (Y,), "dot": (Y.T,), "inner": (Y,), "outer": (Y,), "kron": (Y,),
            "cross": (Y[:, :3],), "moveaxis": (0, 1), "repeat": (2,), "tile": (2,),
            "split": (3,), "roll": (1,), "floor_divide": (POS,), "logical_and": (Y,),
            "logical_or": (Y,), "logical_xor": (Y,), "bitwise_and": (BITS.T,),
            "bitwise_or": (BITS.T,), "bitwise_xor": (BITS.T,)}.get(name, ())
    x = {"cross": X[:, :3], "arccosh": 1 + POS, "log2": POS, "log10": POS,
         "log1p": POS}.get(name, BITS if name.startswith("bitwise") else X / 3)
    by_method = getattr(tg.Tensor(x), name)(*args)
    by_function = getattr(tg, name)(tg.Tensor(x), *args)
    if isinstance(by_method, list):
        by_method, by_function = by_method[0], by_function[0]
    np.testing.assert_array_equal(by_method.numpy(), by_function.numpy())


def test_remainder_operator_and_numpys_method_semantics():
    x = tg.Tensor([5.0, -5.0])
    assert (x % 3).tolist() == [2.0, 1.0] and (7 % tg.Tensor([4.0])).tolist() == [3.0]
    assert tg.Tensor([1.0, 2.0]).repeat(2).tolist() == [1.0, 1.0, 2.0, 2.0]   # not torch's tile
    assert [p.shape for p in tg.Tensor.zeros(4).split(2)] == [(2,), (2,)]   # sections, NumPy's


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_remainder_is_exact_as_numpys_for_large_quotients_and_infinite_divisors(dtype):
    """a - floor(a / b) b lost the digits of the product: 1e6 % 2 pi read 5.875 in float32."""
    a = np.array([1e6, 12345.678, 300.0, 1e17, -1e17, 5.3, 1.0, -1.0, np.inf, 3.0], dtype)
    b = np.array([2 * np.pi, 0.1, 0.7, 3.0, 7.0, 1e-30, np.inf, np.inf, 2.0, 0.0], dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(tg.remainder(tg.Tensor(a), tg.Tensor(b)).numpy(),
                                      np.remainder(a, b))
        x, y = tg.Tensor(a[:3], requires_grad=True), tg.Tensor(b[:3], requires_grad=True)
        (x % y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1])
    np.testing.assert_array_equal(y.grad.numpy(), -np.floor_divide(a[:3], b[:3]))


INTS = {"int64": [[3, -1, 2], [5, 7, -4], [6, 2, 9]], "int32": [[3, -1, 2], [5, 7, -4], [6, 2, 9]],
        "uint8": [[3, 1, 2], [5, 7, 4], [250, 2, 9]], "bool": [[1, 0, 1], [0, 0, 1], [1, 1, 1]]}
INT_CASES = [
    ("maximum", lambda a, b: tg.maximum(a, b), np.maximum),
    ("minimum", lambda a, b: tg.minimum(a, b), np.minimum),
    ("fmax", lambda a, b: tg.fmax(a, b), np.fmax), ("fmin", lambda a, b: tg.fmin(a, b), np.fmin),
    ("remainder", lambda a, b: a % b, np.remainder),
    ("maximum_number", lambda a, b: tg.maximum(a, 2), lambda a, b: np.maximum(a, 2)),
    ("min", lambda a, b: a.min(), lambda a, b: np.min(a)), ("amin_axis", lambda a, b: tg.amin(a, 0), lambda a, b:
                                             np.amin(a, 0)),
    ("prod", lambda a, b: a.prod(), lambda a, b: np.prod(a)),
    ("prod_axis", lambda a, b: tg.prod(a, 1), lambda a, b: np.prod(a, 1)),
    ("cumsum", lambda a, b: a.cumsum(), lambda a, b: np.cumsum(a)),
    ("cumprod", lambda a, b: tg.cumprod(a, 0), lambda a, b: np.cumprod(a, 0)),
    ("tril", lambda a, b: tg.tril(a), lambda a, b: np.tril(a)), ("triu", lambda a, b: a.triu(1),
                                                 lambda a, b: np.triu(a, 1)),
    ("fabs", lambda a, b: tg.fabs(a), lambda a, b: np.fabs(a)),
    ("round_tens", lambda a, b: tg.round(a * 7, -1), lambda a, b: np.round(a * 7, -1)),
    ("trunc", lambda a, b: tg.trunc(a), lambda a, b: np.trunc(a)),
    ("rint", lambda a, b: tg.rint(a), lambda a, b: np.rint(a)),
]


@pytest.mark.parametrize("dtype", list(INTS))
@pytest.mark.parametrize("name,ours,theirs", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_integers_and_bools_get_numpys_exact_values_and_dtypes(name, ours, theirs, dtype):
    """Ints and bools have no gradient, and NumPy computes on them exactly.  The float
    constructions of the derived ops gave floats (maximum, %, fmax: int64 -> float64), wrong
    values (maximum of two Trues: their average, 0.5), overflows (a uint8 min as -max(-x))
    and products that wrapped in int32, uint8 or bool where NumPy widens to 64 bits."""
    a = np.array(INTS[dtype], dtype)
    b = np.flip(a, 1) if dtype == "bool" else np.maximum(np.flip(a, 1), 1)
    if name == "remainder" and dtype == "bool":
        b = np.ones_like(a)                          # (no % 0; bool % bool is NumPy's int8)
    want = np.asarray(theirs(a, b))
    got = ours(tg.Tensor(a), tg.Tensor(b))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_negating_a_bool_mask_is_refused_and_unsigned_ints_wrap_as_in_numpy():
    with pytest.raises(TypeError, match=r"neg: .*use the `~` operator"):
        -(tg.Tensor([1.0, 2.0]) > 1)
    np.testing.assert_array_equal((-tg.Tensor(np.array([1, 0], np.uint8))).numpy(), [255, 0])
    assert tg.Tensor(np.array([np.iinfo(np.int64).min, 0])).min().item() == np.iinfo(np.int64).min


@pytest.mark.parametrize("fn,ref,inputs", [
    (tg.arcsinh, np.arcsinh, [0.5, 3.0, 63.0, 64.0, 300.0, 1000.0, 6e4, np.inf]),
    (tg.arccosh, np.arccosh, [1.5, 3.0, 63.0, 64.0, 300.0, 1000.0, 6e4, np.inf])])
def test_arcsinh_and_arccosh_in_float16_stay_finite_where_x_squared_overflows(fn, ref, inputs):
    """float16's squares overflow past 256: arcsinh(300) read NaN, arccosh(6e4) inf."""
    x = np.array(inputs, np.float16)
    t = tg.Tensor(x, requires_grad=True)
    got = fn(t)
    np.testing.assert_allclose(got.numpy(), ref(x), rtol=2e-3)
    got[:-1].sum().backward()
    slope = 1 / np.sqrt(x[1:-1].astype(np.float64) ** 2 + (1 if fn is tg.arcsinh else -1))
    np.testing.assert_allclose(t.grad.numpy()[1:-1], slope, rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_exp2_overflows_and_underflows_where_the_exact_value_does(dtype):
    """exp2(1e300) read 0 (the integer part cast to int64 wrapped), exp2(1023.7) inf.

    The oracle is exp2 in float64 rounded to ``dtype`` (for float64, NumPy's own):
    NumPy's float32 exp2 is not correctly rounded at the bottom of the subnormals
    on every CPU (its AVX-512 loop gives 0 for 2 ** -149.6, which rounds to
    2 ** -149), so it cannot be the oracle there.
    """
    info = np.finfo(dtype)
    top, low = info.maxexp, info.minexp - info.nmant
    x = np.array([top - 0.3, top, top + 0.5, 1e4, low + 0.4, low - 0.6, -1e4, 3.0, np.nan], dtype)
    with np.errstate(over="ignore", under="ignore"):
        exact = np.exp2(x.astype(np.float64)).astype(dtype)
        np.testing.assert_allclose(tg.exp2(tg.Tensor(x)).numpy(), exact, rtol=4 * info.eps)


# ------------------------------------------------------------------ gradients ---
def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = tg.Tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True, dtype="float64")
    (g,) = tg.grad(tg.prod(x), x)
    assert g.tolist() == [0.0, 24.0, 0.0, 0.0]
    y = tg.Tensor([0.0, 5.0, 0.0], requires_grad=True, dtype="float64")
    (g,) = tg.grad(tg.prod(y), y, create_graph=True)
    assert g.tolist() == [0.0, 0.0, 0.0]
    (h,) = tg.grad(g[0], y)                        # d/dy2 of y1 * y2 = y1 = 5
    assert h.tolist() == [0.0, 0.0, 5.0]


def test_steps_have_zero_gradient_and_stay_in_the_graph():
    x = tg.Tensor([-1.5, 0.5, 2.5], requires_grad=True, dtype="float64")
    for fn in (tg.floor, tg.ceil, tg.sign, tg.trunc, tg.fix, tg.rint, tg.round,
               lambda t: t.round(1)):
        y = fn(x)
        assert y.requires_grad
        (g,) = tg.grad((y * x).sum(), x)            # d/dx of step(x) * x = step(x)
        np.testing.assert_array_equal(g.numpy(), y.numpy())


def test_round_is_numpys_halves_to_even_at_any_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.675, 1234.5678, -0.049])
    for decimals in (0, 1, 2, 3, -1, -2, np.int64(1)):
        for dtype in ("float64", "float32") + (("float16",) if abs(decimals) < 2 else ()):
            got, want = tg.round(tg.Tensor(x, dtype=dtype), decimals), np.round(x.astype(dtype),
                                                                                decimals)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.numpy(), want)
    assert tg.round(tg.Tensor([0.5, 1.5, 2.5])).tolist() == [0.0, 2.0, 2.0]


def test_python_round_and_the_round_method_are_tg_round():
    x = tg.Tensor([1.25, -2.5, 3.75], requires_grad=True)
    for got, decimals in ((round(x), 0), (round(x, 1), 1), (x.round(), 0), (x.round(1), 1),
                          (x.round(decimals=1), 1)):
        assert isinstance(got, tg.Tensor) and got.requires_grad
        np.testing.assert_array_equal(got.numpy(), np.round(x.numpy(), decimals))


def test_round_names_a_decimals_that_is_not_an_integer():
    x = tg.Tensor([1.25])
    for bad in (1.5, "2", True, None):
        with pytest.raises(TypeError, match=rf"^round: decimals must be an integer, got {bad!r}"):
            tg.round(x, bad)


def test_remainder_gradient_is_one_and_minus_the_quotient():
    a = tg.Tensor([5.5, -5.5], requires_grad=True, dtype="float64")
    b = tg.Tensor([2.0, 2.0], requires_grad=True, dtype="float64")
    ga, gb = tg.grad(tg.remainder(a, b).sum(), [a, b])
    assert ga.tolist() == [1.0, 1.0] and gb.tolist() == [-2.0, 3.0]


def test_logaddexp_at_a_tie_has_the_smooth_derivatives():
    a = tg.Tensor(0.3, requires_grad=True, dtype="float64")
    b = tg.Tensor(0.3, requires_grad=True, dtype="float64")
    ga, gb = tg.grad(tg.logaddexp(a, b), [a, b], create_graph=True)
    assert ga.item() == pytest.approx(0.5) and gb.item() == pytest.approx(0.5)
    (gaa,) = tg.grad(ga, a)
    assert gaa.item() == pytest.approx(0.25)


def test_branches_send_no_nan_back():
    x = tg.Tensor([-800.0, 800.0, 1e200], requires_grad=True, dtype="float64")
    (g,) = tg.grad(tg.arcsinh(x).sum() + tg.expm1(x[:1]).sum(), x)
    assert np.all(np.isfinite(g.numpy()))
    y = tg.Tensor([1.5, 1e300], requires_grad=True, dtype="float64")
    (g,) = tg.grad(tg.arccosh(y).sum(), y)
    np.testing.assert_allclose(g.numpy(), 1 / np.sqrt(y.numpy() - 1) / np.sqrt(y.numpy() + 1),
                               rtol=1e-12)


# -------------------------------------------------------------------- errors ---
@pytest.mark.parametrize("call,pattern", [
    (lambda: tg.einsum("ij,jk->ik", tg.Tensor.ones(2, 3)), r"einsum: .*2 operand terms but 1"),
    (lambda: tg.einsum("ij,jk->ik", tg.Tensor.ones(2, 3), tg.Tensor.ones(4, 2)),
     r"einsum: letter 'j' .* sizes 3 and 4"),
    (lambda: tg.einsum("ij->k", tg.Tensor.ones(2, 3)), r"einsum: output 'k'"),
    (lambda: tg.tensordot(tg.Tensor.ones(2, 3), tg.Tensor.ones(4, 2), 1),
     r"tensordot: shape mismatch .*\(2, 3\) .* size 3 .*\(4, 2\) .* size 4"),
    (lambda: tg.split(tg.Tensor.zeros(5), 2), r"split: an axis of length 5 .* use array_split"),
    (lambda: tg.cross(tg.Tensor.ones(2), tg.Tensor.ones(2)), r"cross: .* 3 components"),
    (lambda: tg.diag(tg.Tensor.ones(2, 2, 2)), r"diag: .* 1-D .* 2-D .*\(2, 2, 2\)"),
    (lambda: tg.moveaxis(tg.Tensor.ones(2, 3), 0, 2),
     r"moveaxis: axis 2 is out of range .*\(2, 3\)"),
    (lambda: tg.einsum("i.j", tg.Tensor.ones(2, 3)), r"einsum: invalid term 'i.j'"),
    (lambda: tg.repeat(tg.Tensor.ones(3), [1, 2]), r"repeat: 2 repeats .* length 3"),
    (lambda: tg.logaddexp(tg.Tensor.ones(3), tg.Tensor.ones(4)),
     r"logaddexp: shapes \(3,\) and \(4,\) cannot be broadcast"),
    (lambda: tg.cumsum(tg.Tensor.ones(3), axis=1), r"cumsum: axis 1 is out of range"),
    (lambda: tg.roll(tg.Tensor.ones(3), "x"), r"roll: shift must be an integer .* got 'x'"),
    (lambda: tg.roll(tg.Tensor.ones(2, 2), [1, 2], axis=[0, 1, 1]),
     r"roll: shift \[1, 2\] and axis \[0, 1, 1\] must be one each, or sequences of the same"),
    (lambda: tg.tril(tg.Tensor.ones(2, 2), k="x"), r"tril: k \(which diagonal\) must be an integer"),
    (lambda: tg.triu(tg.Tensor.ones(2, 2), k=None), r"triu: k .* got None"),
    (lambda: tg.sum(tg.Tensor.ones(3), 0, True),      # NumPy's third argument is dtype
     r"sum\(\) takes from 1 to 2 positional arguments but 3"),
])
def test_errors_name_the_op_the_shapes_and_the_fix(call, pattern):
    with pytest.raises((ValueError, TypeError, np.exceptions.AxisError), match=pattern):
        call()
