"""Derived ops: values against NumPy, derived gradients against closed forms and finite differences.

The point of the project is checked here: derived ops define no derivative
rule, yet their gradients match the article's closed forms.
"""
import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, derived, ops
from tinygrad_edu.autograd import Function, toposort
from tinygrad_edu.testing import gradcheck

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 5)) * 3


def leaf(data):
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def ref_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


FORWARD = [
    ("sigmoid", lambda t: t.sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    ("relu", lambda t: t.relu(), lambda x: np.maximum(x, 0)),
    ("leaky_relu", lambda t: t.leaky_relu(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    ("tanh", lambda t: t.tanh(), np.tanh),
    ("abs", lambda t: t.abs(), np.abs),
    ("sqrt", lambda t: t.abs().sqrt(), lambda x: np.sqrt(np.abs(x))),
    ("softmax", lambda t: t.softmax(axis=1), lambda x: ref_softmax(x, 1)),
    ("softmax0", lambda t: t.softmax(axis=0), lambda x: ref_softmax(x, 0)),
    ("log_softmax", lambda t: t.log_softmax(), lambda x: np.log(ref_softmax(x))),
    ("logsumexp", lambda t: t.logsumexp(axis=1), lambda x: np.log(np.exp(x).sum(1))),
    ("logsumexp_all", lambda t: t.logsumexp(keepdims=True), lambda x: np.log(np.exp(x).sum(keepdims=True))),
    ("mean", lambda t: t.mean(axis=0), lambda x: x.mean(0)),
    ("var", lambda t: t.var(axis=1, ddof=1), lambda x: x.var(1, ddof=1)),
    ("std", lambda t: t.std(), np.std),
    ("min", lambda t: t.min(axis=1, keepdims=True), lambda x: x.min(1, keepdims=True)),
    ("clip", lambda t: t.clip(-1, 2), lambda x: np.clip(x, -1, 2)),
    ("clip_lo", lambda t: t.clip(0, None), lambda x: np.clip(x, 0, None)),
    ("maximum", lambda t: tg.maximum(t, t[0]), lambda x: np.maximum(x, x[0])),
    ("minimum", lambda t: tg.minimum(t, 0.5), lambda x: np.minimum(x, 0.5)),
    ("neg", lambda t: -t, np.negative),
    ("pow_tensor", lambda t: t.abs() ** t, lambda x: np.abs(x) ** x),
]


@pytest.mark.parametrize("name,fn,ref", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_matches_numpy(name, fn, ref):
    np.testing.assert_allclose(fn(Tensor(X)).data, ref(X), rtol=1e-12, atol=1e-12)


GRADS = [
    ("sigmoid", lambda t: t.sigmoid()), ("relu", lambda t: t.relu()),
    ("leaky_relu", lambda t: t.leaky_relu()), ("abs", lambda t: t.abs()),
    ("sqrt", lambda t: (t * t + 0.5).sqrt()), ("softmax", lambda t: t.softmax(axis=1)),
    ("softmax0", lambda t: t.softmax(axis=0)), ("log_softmax", lambda t: t.log_softmax()),
    ("logsumexp", lambda t: t.logsumexp(axis=1)), ("logsumexp_all", lambda t: t.logsumexp()),
    ("mean", lambda t: t.mean(axis=(0, 1))), ("var", lambda t: t.var(axis=0)), ("std", lambda t: t.std(axis=1)),
    ("clip", lambda t: t.clip(-1.1, 2.1)), ("maximum", lambda t: tg.maximum(t, t[0] * 0.5)),
    ("minimum", lambda t: tg.minimum(t, -0.3)), ("pow_tensor", lambda t: (t * t * 0.1 + 1) ** (t * 0.3)),
    ("stack", lambda t: tg.stack([t, t * 2], axis=2)),
]


@pytest.mark.parametrize("name,fn", GRADS, ids=[c[0] for c in GRADS])
def test_derived_gradients_match_finite_differences(name, fn):
    x = leaf(X + 0.01)                     # away from the kinks at 0 and at the clip bounds
    assert gradcheck(fn, [x])


# -------------------------------------------------------- closed forms of the article
def test_sigmoid_derivative_is_s_times_one_minus_s():
    z = leaf(np.linspace(-10, 10, 41))
    s = z.sigmoid()
    s.sum().backward()
    np.testing.assert_allclose(z.grad.data, s.data * (1 - s.data), rtol=1e-12, atol=1e-15)


def test_tanh_relu_leaky_relu_derivatives():
    z = np.linspace(-3, 3, 13)                     # includes 0
    for fn, want in [(lambda t: t.tanh(), 1 - np.tanh(z) ** 2),
                     (lambda t: t.relu(), (z > 0).astype(float)),
                     (lambda t: t.leaky_relu(), np.where(z > 0, 1.0, 0.01))]:
        x = leaf(z)
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, want, rtol=1e-12)


def test_kink_conventions():
    x = leaf([0.0, 0.0, 0.0])
    (x.relu() + x.abs()).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0])          # relu'(0) = abs'(0) = 0
    a, b = leaf([1.0, 2.0]), leaf([1.0, 3.0])
    tg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.5, 0])            # a tie splits evenly
    np.testing.assert_array_equal(b.grad.data, [0.5, 1])
    c = leaf([-2.0, -1.0, 0.0, 1.0, 2.0])
    c.clip(-1, 1).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [0, 1, 1, 1, 0])     # bounds are inside


# ------------------------------------------------------ derived means: no rule of its own
def test_derived_modules_define_no_derivative_rule():
    from tinygrad_edu.nn import functional as F
    for module in (derived, F):
        rules = [name for name, obj in vars(module).items()
                 if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__]
        assert rules == [], f"{module.__name__} must only compose primitives, found {rules}"


@pytest.mark.parametrize("fn", [
    lambda z, y: z.sigmoid(),
    lambda z, y: tg.nn.functional.binary_cross_entropy(z.sigmoid(), y),
    lambda z, y: tg.nn.functional.binary_cross_entropy_with_logits(z, y),
    lambda z, y: z.softmax(axis=0).var(),
])
def test_graphs_of_derived_ops_contain_only_primitives(fn):
    z = leaf(RNG.standard_normal((4, 1)))
    y = Tensor(np.array([[1.0], [0.0], [1.0], [0.0]]))
    out = fn(z, y)
    kinds = {type(t.grad_fn) for t in toposort([out]) if t.grad_fn is not None}
    assert kinds and kinds <= set(ops.PRIMITIVES)


# ------------------------------------------------------------ numerically safe
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [
    lambda t: t.sigmoid(), lambda t: t.tanh(), lambda t: t.softmax(), lambda t: t.log_softmax(),
    lambda t: t.logsumexp(), lambda t: t.softmax(axis=0),
])
def test_safe_ops_stay_finite_for_huge_inputs(fn, dtype):
    x = Tensor(np.array([-1e4, -30.0, 0.0, 30.0, 1e4], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        (y * Tensor(np.arange(y.size, dtype=dtype).reshape(y.shape))).sum().backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    assert y.dtype == dtype and x.grad.dtype == dtype


def test_sigmoid_extremes_are_exact_limits():
    s = Tensor([-1e4, 1e4], dtype="float64").sigmoid().data
    np.testing.assert_array_equal(s, [0.0, 1.0])
    np.testing.assert_allclose(Tensor([-30.0], dtype="float64").sigmoid().data, 1 / (1 + np.exp(30)),
                               rtol=1e-14)


def test_logsumexp_of_all_minus_inf_rows():
    x = Tensor(np.array([[-np.inf, -np.inf], [0.0, 0.0]]))
    with np.errstate(divide="ignore"):             # log(0) = -inf is the right answer here
        got = x.logsumexp(axis=1).data
    np.testing.assert_allclose(got, [-np.inf, np.log(2)])


def test_sigmoid_of_bool_and_int_tensors_computes_in_float():
    """The sign constant inside sigmoid must not be cast to bool (True * x == x)."""
    from tinygrad_edu.nn.functional import binary_cross_entropy_with_logits
    want = 1 / (1 + np.exp(-np.array([1.0, 0.0, -2.0])))
    np.testing.assert_allclose(Tensor(np.array([True, False])).sigmoid().numpy(), want[:2], rtol=1e-3)
    out = Tensor(np.array([1, 0, -2])).sigmoid()
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), want)
    np.testing.assert_allclose(binary_cross_entropy_with_logits(Tensor(np.array([True])), [1.0]).item(),
                               np.log1p(np.e) - 1, rtol=1e-3)


# ------------------------------------------- fixed: std at zero variance, sign ---
@pytest.mark.parametrize("data,axis,ddof", [([3.0], None, 0), ([2.0, 2.0, 2.0], None, 0),
                                            ([[1.0, 1.0], [1.0, 4.0]], 1, 0),
                                            ([[5.0], [-1.0]], 1, 0), ([7.0, 7.0], None, 1)])
def test_std_gradient_is_zero_where_the_variance_is_zero(data, axis, ddof):
    """PyTorch and HIPS autograd give 0 there; sqrt'(0) * 0 used to give NaN."""
    x = tg.Tensor(data, requires_grad=True, dtype="float64")
    s = x.std(axis=axis, ddof=ddof)
    (g,) = tg.grad(s.sum(), x, create_graph=True)
    flat = np.asarray(data, np.float64)
    zero_var = np.var(flat, axis=axis, keepdims=True) == 0
    assert np.all(np.isfinite(g.numpy()))
    np.testing.assert_array_equal(g.numpy()[np.broadcast_to(zero_var, flat.shape)], 0)
    (h,) = tg.grad(g.sum(), x)
    assert np.all(np.isfinite(h.numpy()))
    np.testing.assert_allclose(s.numpy(), np.std(flat, axis=axis, ddof=ddof))


@pytest.mark.parametrize("data,axis,ddof", [(np.zeros(0), None, 0), (np.zeros((0, 3)), 0, 0),
                                            (np.ones((2, 0)), 1, 0), ([7.0], None, 1),
                                            ([1.0, 2.0], None, 2), ([1.0, 2.0], None, 3),
                                            ([[1.0, 2.0], [3.0, 5.0]], 0, 2)])
def test_mean_var_std_of_no_degrees_of_freedom_are_numpys_nan_or_inf(data, axis, ddof):
    """The count was clamped to 1: the mean of nothing read 0 and std([1, 2], ddof=2) 0.71."""
    flat = np.asarray(data, np.float64)
    x = tg.Tensor(flat)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # NumPy warns of these too
        if ddof == 0:
            np.testing.assert_array_equal(x.mean(axis=axis).numpy(), np.mean(flat, axis=axis))
        for op in ("var", "std"):
            np.testing.assert_array_equal(getattr(x, op)(axis=axis, ddof=ddof).numpy(),
                                          getattr(np, op)(flat, axis=axis, ddof=ddof))


def test_std_gradient_is_unchanged_where_the_variance_is_positive():
    x = tg.Tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], requires_grad=True, dtype="float64")
    assert gradcheck(lambda x: x[:1].std(axis=1), x)
    (g,) = tg.grad(x.std(axis=1).sum(), x)
    row = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(g.numpy()[0], (row - row.mean()) / (3 * row.std()))


def test_relu_keeps_a_nan_as_numpys_maximum_does():
    """where(x > 0, x, 0) turned a NaN into 0, hiding it from the layers after it."""
    data = np.array([np.nan, -np.inf, -1.0, -0.0, 0.0, 2.0, np.inf], np.float32)
    x = tg.Tensor(data, requires_grad=True)
    y = x.relu()
    np.testing.assert_array_equal(y.numpy(), np.maximum(data, 0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 0, 0, 0, 1, 1])   # relu'(0) = 0


def test_sign_has_a_zero_gradient_so_grad_works_through_it():
    """It used to return a tensor outside the graph, so grad() raised; PyTorch gives 0."""
    x = tg.Tensor([-2.0, 0.0, 3.0], requires_grad=True, dtype="float64")
    s = x.sign()
    assert s.requires_grad and s.tolist() == [-1.0, 0.0, 1.0]
    (g,) = tg.grad(s.sum(), x)
    assert g.tolist() == [0.0, 0.0, 0.0]
    assert gradcheck(lambda x: x.sign() * x, tg.Tensor([-2.0, 3.0], requires_grad=True))
    assert not tg.Tensor([1, -2]).sign().requires_grad
    with pytest.raises(TypeError, match=r"sign: .*\(tensor shape \(2,\)\)"):
        tg.Tensor([True, False]).sign()


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (0.0, 0.0), (None, 0.25), (-0.25, None),
                                    (np.array([-1.0, 0.5, 0.0, 2.0, -0.5, 0.0, 1.0]), 0.5),
                                    (0.5, -0.5)])                  # lo > hi: np.clip gives hi
def test_clip_value_and_gradient_mask_for_every_kind_of_bounds(lo, hi):
    data = np.array([-1.0, -0.5, -0.0, 0.0, 0.5, np.nan, 0.7], dtype=np.float32)
    x = Tensor(data, requires_grad=True)
    y = x.clip(lo, hi)
    y.sum().backward()
    inside = np.ones(data.shape, bool)
    if lo is not None:
        inside &= data >= np.float32(lo) if np.isscalar(lo) else data >= lo.astype(np.float32)
    if hi is not None:
        inside &= data <= np.float32(hi)
    np.testing.assert_array_equal(y.numpy(), np.clip(data, np.float32(-np.inf) if lo is None
                                                     else np.asarray(lo, np.float32),
                                                     np.float32(np.inf) if hi is None else
                                                     np.float32(hi)))
    np.testing.assert_array_equal(x.grad.numpy(), inside.astype(np.float32))
