"""tinygrad_edu.testing: numerical_grad, gradcheck, gradgradcheck, gradcheck_params, strategies."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import (GradcheckError, KinkWarning, gradcheck, gradcheck_params,
                                  gradgradcheck, numerical_grad)
from tinygrad_edu.testing import strategies as ts


def t64(values, name=None, requires_grad=True):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad, name=name)


# ============================================== a learner's wrong custom op ===
class WrongSquare(tg.Function):
    """x^2 whose backward forgot the factor 2."""

    def forward(self, x):
        return x * x

    def backward(self, grad, out):
        (x,) = self.inputs
        return grad * x


class Square(tg.Function):
    """The same op, fixed."""

    def forward(self, x):
        return x * x

    def backward(self, grad, out):
        (x,) = self.inputs
        return grad * 2 * x


def test_gradcheck_fails_on_a_wrong_custom_op_with_a_precise_message():
    x = t64([1.0, -3.0, 0.5], name="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, x)
    msg = str(info.value)
    assert msg.startswith("gradcheck failed for input 0 ('x', shape (3,)): 3 of 9 Jacobian entries "
                          "differ from finite differences.")
    # the worst element is x[1] = -3: analytic -3 vs numerical -6
    assert "worst element: d out[1] / d x[1]  (input 0, index (1,))" in msg
    assert re.search(r"analytic  = -3\n", msg) and re.search(r"numerical = -6(\.0+\d*)?\n", msg)
    assert "error     = 3 (allowed: atol + rtol * |numerical| = 0.00601)" in msg
    assert isinstance(info.value, AssertionError)          # plays well with pytest


def test_gradcheck_passes_after_the_fix():
    x = t64([1.0, -3.0, 0.5], name="x")
    assert gradcheck(Square.apply, x) is True
    assert gradgradcheck(Square.apply, x) is True


def test_raise_exception_false_returns_false():
    x = t64([1.0, 2.0])
    assert gradcheck(WrongSquare.apply, x, raise_exception=False) is False
    assert gradcheck(Square.apply, x, raise_exception=False) is True


def test_message_names_the_failing_input_among_several():
    a, b = t64([1.0, 2.0], name="a"), t64([[3.0], [4.0]])

    def f(a, b):
        return a * 2 + WrongSquare.apply(b)
    with pytest.raises(GradcheckError, match=r"for input 1 \(shape \(2, 1\)\)") as info:
        gradcheck(f, [a, b])
    assert "/ d x1[1, 0]" in str(info.value)


# ====================================================== what gets compared ===
class ReverseWrong(tg.Function):
    """Reverses a vector; the backward forgets to reverse the gradient back."""
    needs_input_values = False

    def forward(self, x):
        return x[::-1].copy()

    def backward(self, grad, out):
        return grad


def test_full_jacobian_catches_what_a_summed_output_hides():
    x = t64([1.0, 2.0, 3.0])
    # sum(reverse(x)) has gradient ones whatever the order: checking a scalar misses the bug
    assert gradcheck(lambda x: ReverseWrong.apply(x).sum(), x)
    with pytest.raises(GradcheckError, match=r"4 of 9 Jacobian entries differ"):
        gradcheck(ReverseWrong.apply, x)


def test_large_outputs_are_checked_along_random_projections():
    x = t64(np.linspace(-2, 2, 100).reshape(10, 10))
    assert gradcheck(lambda x: x.tanh(), x)
    with pytest.raises(GradcheckError, match=r"out has 100 elements > 64: checked along 2 random "
                                             r"output directions") as info:
        gradcheck(lambda x: WrongSquare.apply(x) * 1.0, x)
    assert "d <u" in str(info.value)


def test_float32_inputs_are_promoted_and_left_untouched():
    x = Tensor([0.3, -1.7, 2.2], requires_grad=True)               # float32
    before = x.numpy().copy()
    assert gradcheck(lambda x: (x.sigmoid() * x.exp()).sum(), x, atol=1e-7, rtol=1e-6)
    assert x.dtype == np.float32 and np.array_equal(x.numpy(), before) and x.grad is None


def test_a_function_that_computes_in_float32_gets_a_note():
    x = t64([0.3, -1.2])
    with pytest.raises(GradcheckError, match="note: fn returned float32 although the inputs were "
                                             "promoted to float64"):
        gradcheck(lambda x: x.astype("float32").tanh(), x)


def test_unused_inputs_and_constants():
    x, y = t64([1.0, 2.0]), t64([3.0])
    const = Tensor([5.0, 6.0])                       # requires_grad=False: passed through
    assert gradcheck(lambda x, y, c: x * c, [x, y, const])
    assert gradcheck(lambda x, k: x * k, [x, 3])


def test_non_finite_numerical_gradient_is_explained():
    x = t64([1e-7, 1.0])                              # log(x - eps) is nan
    with pytest.raises(GradcheckError, match="the numerical value is not finite"):
        gradcheck(lambda x: x.log(), x)


def test_argument_errors():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x * 2, Tensor([1.0]))
    with pytest.raises(TypeError, match="fn must return a Tensor, got float"):
        gradcheck(lambda x: 1.0, t64([1.0]))
    with pytest.raises(ValueError, match="kinks must be"):
        gradcheck(lambda x: x, t64([1.0]), kinks="skip")
    with pytest.raises(ValueError, match="no input requires grad"):
        gradgradcheck(lambda x: x * 2, Tensor([1.0]))


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize("kwargs, kind, match", [
    ({"fn": 3}, TypeError, "fn must be a callable"),          # was Python's "'int' object is not
    ({"eps": 0}, ValueError, "eps must be a finite number > 0"),   # callable", from inside
    ({"eps": -1e-6}, ValueError, "eps must be"),                    # (these three: every entry
    ({"atol": -1}, ValueError, "atol must be a finite number >= 0"),   # read NaN, reported
    ({"rtol": float("nan")}, ValueError, "rtol must be"),              # as a gradient mismatch)
])
def test_bad_options_are_refused_before_any_work(check, kwargs, kind, match):
    kwargs = {"fn": lambda x: x * x, **kwargs}
    with pytest.raises(kind, match=f"^{check.__name__}: {match}"):
        check(kwargs.pop("fn"), t64([1.0, 2.0]), **kwargs)


def test_checks_are_deterministic():
    x = t64(np.linspace(-1, 1, 80))
    msgs = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as info:
            gradcheck(lambda x: WrongSquare.apply(x) + 0, x)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


# ================================================================== kinks ===
def test_relu_at_zero_is_reported_not_failed():
    x = t64([0.0, 1.0, -1.0])
    with pytest.warns(KinkWarning, match=r"input 0 \(shape \(3,\)\): 1 entry"):
        assert gradcheck(lambda x: x.relu(), x)


def test_near_kinks_and_ties():
    with warnings.catch_warnings():                  # within eps of relu's kink, but more than
        warnings.simplefilter("error")               # eps/10: the finer step sees a smooth function
        assert gradcheck(lambda x: x.relu(), t64([3e-7, -3e-7, 2.0]), kinks="raise")
    with pytest.warns(KinkWarning, match="2 entries"):   # within eps/10: a kink at both steps
        assert gradcheck(lambda x: x.relu(), t64([3e-8, -3e-8, 2.0]))
    with pytest.warns(KinkWarning):                  # a tie: max splits the gradient evenly
        assert gradcheck(lambda x: x.max(), t64([1.0, 1.0, 0.5]))
    with pytest.warns(KinkWarning):
        assert gradcheck(lambda a, b: tg.maximum(a, b), [t64([2.0, 1.0]), t64([2.0, 0.0])])
    with pytest.warns(KinkWarning):
        assert gradcheck(lambda x: x.abs(), t64([0.0, -2.0]))


def test_kinks_ignore_and_raise():
    x = t64([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x: x.relu(), x, kinks="ignore")
    with pytest.raises(GradcheckError, match=r"this entry is at a kink .* one-sided differences "
                                             r"are 0 \(left\) and 1 \(right\); with kinks='raise'"):
        gradcheck(lambda x: x.relu(), x, kinks="raise")


class WrongRelu(tg.Function):
    """relu with a derivative of 5 at 0 (any value outside [0, 1] is wrong)."""

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, grad, out):
        (x,) = self.inputs
        return grad * Tensor._const(np.where(x.numpy() > 0, 1.0, np.where(x.numpy() == 0, 5.0, 0)),
                                    x)


def test_a_wrong_value_at_a_kink_still_fails():
    with pytest.raises(GradcheckError, match="the analytic value is not between them"):
        gradcheck(WrongRelu.apply, t64([0.0, 1.0]))


def test_strong_curvature_is_not_mistaken_for_a_kink():
    # bce at p = y: zero gradient but a second derivative of ~17, so the one-sided
    # differences at eps=1e-6 differ by more than atol; a finer step shows it is smooth.
    from tinygrad_edu.nn.functional import binary_cross_entropy
    p, y = t64([[0.0625]]), t64([[0.0625]], requires_grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda p: binary_cross_entropy(p, y), p, kinks="raise")
        assert gradcheck(lambda x: (1 / x).sum(), t64([0.01, 0.02]), kinks="raise")


# ========================================================== numerical_grad ===
def test_numerical_grad_is_float64_one_array_per_input():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])            # float32, no requires_grad needed
    ga, gb, gi = numerical_grad(lambda a, b, i: (a * b)[i].sum(), [a, b, np.array([0, 0, 1])])
    assert ga.dtype == gb.dtype == np.float64 and gi is None
    np.testing.assert_allclose(ga, [6.0, 4.0], atol=1e-8)    # element 0 is used twice
    np.testing.assert_allclose(gb, [2.0, 2.0], atol=1e-8)


def test_numerical_grad_of_a_non_scalar_output_weights_by_grad_output():
    x = Tensor([1.0, 2.0, 3.0], dtype="float64")
    (g,) = numerical_grad(lambda x: x ** 2, x, grad_output=[1.0, 0.0, -1.0])
    np.testing.assert_allclose(g, [2.0, 0.0, -6.0], atol=1e-8)
    (g,) = numerical_grad(lambda x: x ** 2, x)                # default: ones
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0], atol=1e-8)
    (g,) = numerical_grad(lambda x: x ** 2, x, grad_output=2.0)   # one weight for all
    np.testing.assert_allclose(g, [4.0, 8.0, 12.0], atol=1e-8)
    # Weights of the wrong shape are named (they were NumPy's bare "operands could not be
    # broadcast together with remapped shapes").
    with pytest.raises(ValueError, match=r"numerical_grad: grad_output of shape \(2,\) does not "
                                         r"broadcast to the output's shape \(3,\)"):
        numerical_grad(lambda x: x ** 2, x, grad_output=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"gradgradcheck: grad_outputs of shape \(2,\) does "
                                         r"not broadcast to the output's shape \(3,\)"):
        gradgradcheck(lambda x: x ** 3, t64([1.0, 2.0, 3.0]), grad_outputs=np.ones(2))


# =========================================================== gradgradcheck ===
class DetachedTanh(tg.Function):
    """tanh whose backward is right but uses a constant: no second derivative."""
    needs_input_values = False

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad, out):
        return grad * Tensor._const(1 - out.numpy() ** 2, out)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = t64([0.3, -1.2], name="x")
    assert gradcheck(DetachedTanh.apply, x)
    with pytest.raises(GradcheckError, match=r"gradgradcheck failed for input 0 \('x'") as info:
        gradgradcheck(DetachedTanh.apply, x)
    assert "second order" in str(info.value)
    assert gradgradcheck(lambda x: x.tanh(), x)


def test_gradgradcheck_with_given_grad_outputs_and_several_inputs():
    a, b = t64([[0.5, -1.0], [2.0, 0.1]]), t64([[1.5], [-0.7]])
    assert gradgradcheck(lambda a, b: (a @ b).sigmoid(), [a, b], grad_outputs=np.ones((2, 1)))
    assert gradgradcheck(lambda a, b: a @ b, [a, b])          # linear: second derivatives vanish


# ======================================================== gradcheck_params ===
def test_gradcheck_params_checks_a_model_and_restores_it():
    from tinygrad_edu.nn import Dense, Sequential
    from tinygrad_edu.nn.functional import binary_cross_entropy
    tg.manual_seed(0)
    model = Sequential([Dense(3, input_dim=2, activation="tanh"), Dense(1, activation="sigmoid")])
    x = Tensor(np.random.default_rng(0).standard_normal((6, 2)))
    y = Tensor(np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]]))
    params = model.parameters()
    before = [(p.numpy(), p.numpy().copy(), p._version) for p in params]
    assert gradcheck_params(lambda: binary_cross_entropy(model(x), y), params, kinks="raise")
    for p, (arr, values, version) in zip(params, before):
        assert p.numpy() is arr and np.array_equal(arr, values) and p._version == version
        assert p.grad is None


def test_gradcheck_params_names_the_parameter():
    w = Tensor([[1.0, -2.0]], requires_grad=True, name="dense_1.kernel")
    x = Tensor(np.array([[0.5], [1.5]]))
    with pytest.raises(GradcheckError, match=r"gradcheck_params failed for parameter 0 "
                                             r"\('dense_1.kernel', shape \(1, 2\)\)") as info:
        gradcheck_params(lambda: WrongSquare.apply(x @ w).sum(), [w])
    assert "/ d dense_1.kernel[0, 1]" in str(info.value)
    assert w.dtype == np.float32
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck_params(lambda: w.sum(), [Tensor([1.0])])


# ============================================================= strategies ===
FEW = settings(max_examples=20)


@FEW
@given(ts.shapes(min_dims=1, max_dims=3, max_side=4))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(1 <= n <= 4 for n in shape)


@FEW
@given(ts.broadcastable_shapes(3, max_side=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@FEW
@given(ts.matmul_shapes())
def test_matmul_shapes_are_valid(pair):
    a, b = pair
    np.matmul(np.ones(a), np.ones(b))
    (Tensor(np.ones(a)) @ Tensor(np.ones(b)))


@FEW
@given(ts.separated(ts.shapes(min_dims=1, max_side=3), min_gap=0.05))
def test_separated_values_have_no_ties(x):
    v = np.sort(x.ravel())
    assert np.all(np.diff(v) >= 0.05) and np.all(np.abs(x) <= 3.0)


@FEW
@given(ts.arrays((20,), elements=ts.reals(avoid=(0.0, 1.0), margin=0.1)))
def test_reals_avoid_points(x):
    assert np.all(np.abs(x) >= 0.1) and np.all(np.abs(x - 1.0) >= 0.1)


@FEW
@given(ts.tensors((2, 3), dtype="float32", elements=ts.positives(0.125, width=32),
                  requires_grad=False))
def test_tensors_dtype_domain_and_flag(t):
    assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
    assert np.all(t.numpy() >= 0.125)


@FEW
@given(st.data())
def test_indices_are_valid_for_the_shape(data):
    shape = data.draw(ts.shapes(max_side=3))
    index = data.draw(ts.indices(shape))
    x = Tensor(np.arange(float(np.prod(shape))).reshape(shape), requires_grad=True)
    assert np.array_equal(x[index].numpy(), x.numpy()[index])


def test_separated_refuses_impossible_gaps():
    @given(ts.separated((10,), min_gap=1.0))
    def draw(x):
        pass
    with pytest.raises(ValueError, match="cannot be 1.0 apart"):
        draw()
    with pytest.raises(ValueError, match="low must be > 0"):
        ts.positives(0.0)
