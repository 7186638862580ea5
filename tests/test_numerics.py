"""Numerics stay finite (issue 7): the stable forms of the activations and losses.

For inputs anywhere in [-1e4, 1e4], in float32 and float64, sigmoid, tanh,
softmax, log_softmax, logsumexp and binary cross-entropy (on probabilities and
on logits) give finite values and finite gradients, with no overflow / invalid
/ divide-by-zero in NumPy (underflow to 0 is fine), and both agree with a
float64 reference written independently here.  ``detect_anomaly`` is tested at
the end: it names the op, its input shapes and the user's line.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

BIG = 1e4
DTYPES = [np.float32, np.float64]


def inputs(dtype, min_side=1):
    """Arrays of shape up to (3, 5) with values anywhere in [-1e4, 1e4], extremes likely."""
    width = 32 if dtype == np.float32 else 64
    elements = st.one_of(
        st.floats(-BIG, BIG, width=width),
        st.sampled_from([-BIG, BIG, 0.0, -0.0, 88.8, -88.8, 709.0, -709.0, 1e-30, -1e-30]),
    )
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=2, min_side=min_side,
                                              max_side=5), elements=elements)


def strict():
    """Turn NumPy overflow/invalid/divide into exceptions and any warning into an error."""
    class _Strict:
        def __enter__(self):
            self.err = np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")
            self.err.__enter__()
            self.warn = warnings.catch_warnings()
            self.warn.__enter__()
            warnings.simplefilter("error")

        def __exit__(self, *exc):
            self.warn.__exit__(*exc)
            self.err.__exit__(*exc)
    return _Strict()


def value_and_grad(fn, x, weights=None):
    """fn(x) and d(sum(w * fn(x)))/dx, computed under ``strict()``."""
    t = Tensor(x, requires_grad=True)
    with strict():
        out = fn(t)
        w = np.ones(out.shape, out.dtype) if weights is None else weights.astype(out.dtype)
        (out * Tensor(w)).sum().backward()
    assert out.dtype == x.dtype and t.grad.dtype == x.dtype
    assert np.isfinite(out.numpy()).all(), out
    assert np.isfinite(t.grad.numpy()).all(), t.grad
    return out.numpy().astype(np.float64), t.grad.numpy().astype(np.float64)


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


# ---------------------------------------------------- float64 references ----
def ref_sigmoid(x):
    x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def ref_softmax(x, axis=-1):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ref_logsumexp(x, axis=-1):
    x = x.astype(np.float64)
    m = x.max(axis=axis, keepdims=True)
    return (np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m).squeeze(axis)


# ----------------------------------------------------------- activations ----
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sigmoid_is_finite_and_right(dtype, data):
    x = data.draw(inputs(dtype))
    y, g = value_and_grad(Tensor.sigmoid, x)
    s = ref_sigmoid(x)
    np.testing.assert_allclose(y, s, **tol(dtype))
    np.testing.assert_allclose(g, s * (1 - s), **tol(dtype))   # derived, never typed in
    assert ((y >= 0) & (y <= 1)).all()


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_tanh_is_finite_and_right(dtype, data):
    x = data.draw(inputs(dtype))
    y, g = value_and_grad(Tensor.tanh, x)
    t = np.tanh(x.astype(np.float64))
    np.testing.assert_allclose(y, t, **tol(dtype))
    np.testing.assert_allclose(g, 1 - t * t, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_is_finite_and_right(dtype, data):
    x = data.draw(inputs(dtype))
    w = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-2, 2)))
    y, g = value_and_grad(Tensor.softmax, x, w)
    s = ref_softmax(x)
    np.testing.assert_allclose(y, s, **tol(dtype))
    # d(sum w * softmax)/dx = s * (w - sum(s * w))
    np.testing.assert_allclose(g, s * (w - (s * w).sum(-1, keepdims=True)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_softmax_is_finite_and_right(dtype, data):
    x = data.draw(inputs(dtype))
    w = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-2, 2)))
    y, g = value_and_grad(Tensor.log_softmax, x, w)
    ref = x.astype(np.float64) - ref_logsumexp(x)[..., None]
    # compared relative to the size of the inputs: float32 keeps ~7 digits of |x| <= 1e4
    scale = 1 + np.abs(x.astype(np.float64)).max()
    np.testing.assert_allclose(y, ref, rtol=0, atol=scale * (5e-7 if dtype == np.float32 else 1e-15))
    s = ref_softmax(x)
    np.testing.assert_allclose(g, w - s * w.sum(-1, keepdims=True), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, -1, 0])
@given(data=st.data())
def test_logsumexp_is_finite_and_right(dtype, axis, data):
    x = data.draw(inputs(dtype))
    y, g = value_and_grad(lambda t: t.logsumexp(axis=axis), x)
    flat = x.reshape(-1) if axis is None else x
    ref = ref_logsumexp(flat, -1 if axis is None else axis)
    scale = 1 + np.abs(x.astype(np.float64)).max()
    np.testing.assert_allclose(y, ref, rtol=0, atol=scale * (5e-7 if dtype == np.float32 else 1e-15))
    soft = ref_softmax(flat, -1 if axis is None else axis).reshape(x.shape)
    np.testing.assert_allclose(g, soft, rtol=1e-4, atol=1e-5)        # its gradient is softmax


# ---------------------------------------------------------------- losses ----
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_bce_with_logits_is_finite_and_right(dtype, data):
    z = data.draw(inputs(dtype))
    y = data.draw(hnp.arrays(dtype, z.shape, elements=st.sampled_from([0.0, 1.0, 0.5, 0.25])))
    loss, g = value_and_grad(lambda t: F.binary_cross_entropy_with_logits(t, Tensor(y)), z)
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    ref = np.mean(np.maximum(z64, 0) - z64 * y64 + np.log1p(np.exp(-np.abs(z64))))
    np.testing.assert_allclose(loss, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)
    # dL/dz = (sigmoid(z) - y) / n: the article's dZ = Y_hat - Y, derived
    np.testing.assert_allclose(g, (ref_sigmoid(z64) - y64) / z.size, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_bce_on_probabilities_is_finite_at_0_and_1(dtype, data):
    z = data.draw(inputs(dtype))
    y = data.draw(hnp.arrays(dtype, z.shape, elements=st.sampled_from([0.0, 1.0])))
    t = Tensor(z, requires_grad=True)
    with strict():
        p = t.sigmoid()                  # saturates to exactly 0 or 1 for |z| > ~17 / ~37
        loss = F.binary_cross_entropy(p, Tensor(y))
        loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(t.grad.numpy()).all()
    eps = F.EPSILON
    # the clip bounds as the tensor's dtype holds them (1 - 1e-7 is 1 - 1.19e-7 in float32)
    lo, hi = float(np.asarray(eps, dtype)), float(np.asarray(1 - eps, dtype))
    # The reference takes the probabilities BCE was given.  Near 1 a float32 p keeps ~7
    # digits, so one ulp of sigmoid's own rounding moves -log(1 - p) by ~1% at z = 12
    # (sigmoid's accuracy is checked on its own above).
    pc = np.clip(p.numpy().astype(np.float64), lo, hi)
    ref = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-4 if dtype == np.float32 else 1e-9,
                               atol=1e-6 if dtype == np.float32 else 0)
    assert loss.item() <= -np.log(eps) * 1.01   # clipping bounds the loss by -log(eps) ~ 16.1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 1.0, 1e-12, 1 - 1e-12, 0.5])
def test_bce_on_probabilities_at_the_domain_edges(dtype, p):
    for y in (0.0, 1.0):
        t = Tensor(np.full((3, 1), p, dtype), requires_grad=True)
        with strict():
            loss = F.binary_cross_entropy(t, np.full(3, y, dtype))
            loss.backward()
        assert np.isfinite(loss.item()) and np.isfinite(t.grad.numpy()).all()
        assert loss.item() <= 16.2


# ------------------------------------------------- exp/log at domain edges ----
@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_and_log_at_the_edges_of_their_domains(dtype):
    info = np.finfo(dtype)
    top = np.log(info.max) * 0.999                      # largest x with exp(x) finite
    x = np.array([-1e4, -top, -1.0, 0.0, 1.0, top], dtype)
    y, g = value_and_grad(Tensor.exp, x)
    np.testing.assert_allclose(g, y)                    # d e^x / dx = e^x
    assert y[0] == 0.0                                  # underflow to 0 is silent and finite
    pos = np.array([info.tiny, 1e-30 if dtype == np.float64 else 1e-37, 1.0, 1e4, info.max / 4],
                   dtype)
    y, g = value_and_grad(Tensor.log, pos)
    np.testing.assert_allclose(g, 1 / pos.astype(np.float64), rtol=1e-6)
    # log and exp of large magnitudes go through the stable compositions instead
    z = Tensor(np.array([-1e4, 1e4], dtype), requires_grad=True)
    with strict():
        out = z.logsumexp() + F.binary_cross_entropy_with_logits(z, np.array([1.0, 0.0], dtype))
        out.backward()
    assert np.isfinite(out.item()) and np.isfinite(z.grad.numpy()).all()


def test_raw_exp_overflow_behaves_like_numpy():
    """The raw primitive is IEEE: inf with NumPy's warning (documented in docs/errors.md)."""
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert Tensor([1e4]).exp().item() == np.inf
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert Tensor([0.0]).log().item() == -np.inf


# ---------------------------------------------------------- detect_anomaly ----
def test_detect_anomaly_names_op_shapes_and_user_line():
    x = Tensor([0.0, 1.0], requires_grad=True)
    w = Tensor([[1.0, 2.0]])
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        y = (x.sqrt() * w).sum()                      # d sqrt(x)/dx = inf at 0
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    msg = str(info.value)
    assert msg.startswith("Pow backward produced a non-finite gradient (inf) for input 0 of shape (2,)")
    assert "op inputs: (2,)" in msg
    assert __file__ in msg and "y = (x.sqrt() * w).sum()" in msg
    assert x.grad is None                              # nothing was accumulated


def test_detect_anomaly_names_the_first_op_whose_forward_output_is_nan():
    """As JAX's debug_nans: the op that turned finite inputs into NaN, with the user's line."""
    x = Tensor([1.0, 4.0], requires_grad=True, dtype="float64")
    with tg.detect_anomaly():
        h = x * 3.0                                    # finite: no error
        with pytest.raises(FloatingPointError, match=r"^log produced nan in its output of "
                                                     r"shape \(2,\) from finite inputs") as info:
            (x - 10).log()                             # log(-9) = nan
    assert "(x - 10).log()" in str(info.value) and "test_numerics.py" in str(info.value)
    nan_input = Tensor([np.nan, 1.0], requires_grad=True, dtype="float64")
    with tg.detect_anomaly():
        y = (nan_input * 2).sum()                      # NaN in, NaN out: the data, not the op
    assert np.isnan(y.item()) and np.isfinite(h.numpy()).all()


def test_detect_anomaly_names_the_backward_rule_that_made_a_non_finite_gradient():
    x = Tensor([0.0, 4.0], requires_grad=True, dtype="float64")
    with tg.detect_anomaly():
        bad = x.sqrt().sum()                           # sqrt(0) = 0, but d sqrt/dx = inf there
        with pytest.raises(FloatingPointError, match=r"Pow backward .* \(inf\)") as info:
            bad.backward()
    assert "bad = x.sqrt().sum()" in str(info.value)


def test_detect_anomaly_is_off_by_default_and_restores_state():
    assert not tg.is_anomaly_enabled()
    with tg.detect_anomaly():
        assert tg.is_anomaly_enabled()
        x = Tensor([1.0], requires_grad=True)
        y = x * 2
    assert not tg.is_anomaly_enabled()
    assert "test_numerics.py" in y.grad_fn.trace
    z = x * 2
    assert not hasattr(z.grad_fn, "trace")             # costs nothing when off
    with np.errstate(divide="ignore"):
        (Tensor([0.0], requires_grad=True).sqrt()).sum().backward()   # no error when off


def test_ops_created_outside_detect_anomaly_are_still_checked():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(FloatingPointError, match="created outside detect_anomaly"):
            y.backward()


@pytest.mark.parametrize("dtype", DTYPES)
def test_leaf_gradients_keep_the_leaf_dtype_under_mixed_precision(dtype):
    x = Tensor(np.array([1.0, 2.0], dtype), requires_grad=True)
    other = Tensor(np.array([3, 4], np.int64))          # int64 * float32 computes in float64
    for _ in range(2):                                  # first gradient, then accumulation
        (other * x).sum().backward()
    assert x.grad.dtype == dtype and x.grad.tolist() == [6.0, 8.0]
    (gx,) = tg.grad((x.double() * 2).sum(), x)
    assert gx.dtype == dtype
