"""Errors are part of the API: every mistake gets a clear error (issue 7).

* shape errors name the op, both shapes and -- for broadcasting -- the axis
  that fails; they are ValueError / TypeError / IndexError (never an
  AttributeError), and no NumPy traceback is chained onto them;
* autograd misuse (backward without grad, non-scalar backward, freed graphs,
  integer tensors, wrong gradient shapes, unused inputs) raises RuntimeError /
  TypeError with the fix in the message;
* in-place changes of a tensor that a pending backward needs -- directly or
  through a view (detach, reshape, transpose, basic indexing) -- raise at
  backward time instead of giving a silently wrong gradient;
* the catalogue in docs/errors.md shows the exact message of each case: the
  last test runs every example there and compares (``python
  tests/test_errors.py --write`` regenerates the messages after a wording change).
"""
import linecache
import os
import pathlib
import re
import sys
import tempfile
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"


def _raises(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def assert_clean(err, kinds, op, *parts):
    """``err`` is one of ``kinds``, starts with ``op:``, mentions ``parts``, hides NumPy's traceback."""
    assert isinstance(err, kinds), f"{type(err).__name__}: {err}"
    assert not isinstance(err, AttributeError)
    msg = str(err)
    assert msg.startswith(op + ":"), msg
    for p in parts:
        assert str(p) in msg, (p, msg)
    assert err.__cause__ is None
    assert err.__context__ is None or err.__suppress_context__, repr(err.__context__)


# ------------------------------------------------------------ shape errors ----
A, B = (2, 3), (4, 3)
BROADCAST = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": tg.maximum,
    "minimum": tg.minimum,
}


@pytest.mark.parametrize("op", sorted(BROADCAST))
@pytest.mark.parametrize("requires_grad", [False, True])
def test_binary_op_broadcast_error_names_op_shapes_and_axis(op, requires_grad):
    a = Tensor.ones(*A, requires_grad=requires_grad)
    b = Tensor.ones(*B)
    err = _raises(lambda: BROADCAST[op](a, b))
    assert_clean(err, ValueError, op, A, B, "axis -2 has sizes 2 and 4")


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_reflected_and_array_operands_report_the_op(op):
    fn = BROADCAST[op]
    err = _raises(lambda: fn(np.ones(B, np.float32), Tensor.ones(*A)))
    assert_clean(err, ValueError, op, A, B, "axis -2")


def test_where_and_comparison_broadcast_errors():
    a, b = Tensor.ones(*A), Tensor.ones(*B)
    assert_clean(_raises(lambda: tg.where(a > 0, a, b)), ValueError, "where", A, B, "axis -2")
    assert_clean(_raises(lambda: a < b), ValueError, "comparison less", A, B, "axis -2")


def test_where_broadcast_error_with_three_sizes_on_one_axis():
    cond, a, b = Tensor([True, False]), Tensor.ones(2, 3), Tensor.ones(4, 5)
    err = _raises(lambda: tg.where(cond, a, b))
    assert_clean(err, ValueError, "where", (2,), (2, 3), (4, 5), "axis -1 has sizes 2, 3 and 5")


@pytest.mark.parametrize("lo, hi, kind, parts", [
    ("a", 1.0, TypeError, ["got 'a'"]),
    (None, "x", TypeError, ["got 'x'"]),
    (np.zeros(5), 1.0, ValueError, [(2, 3), (5,), "axis -1 has sizes 3 and 5"]),
    (Tensor.zeros(4, 1), None, ValueError, [(2, 3), (4, 1), "axis -2 has sizes 2 and 4"]),
])
def test_clip_bounds_that_are_not_numbers_or_do_not_broadcast(lo, hi, kind, parts):
    x = Tensor.ones(2, 3, requires_grad=True)
    assert_clean(_raises(lambda: x.clip(lo, hi)), kind, "clip", *parts)


def test_trailing_axis_broadcast_error_points_at_the_last_axis():
    err = _raises(lambda: Tensor.ones(5, 3) + Tensor.ones(5))
    assert_clean(err, ValueError, "add", (5, 3), (5,), "axis -1 has sizes 3 and 5")


@pytest.mark.parametrize("sa, sb, detail", [
    ((32, 3), (2, 4), "3 (dim 1 of the first) != 2 (dim 0 of the second)"),
    ((3,), (4,), "vectors must have the same length"),
    ((3,), (4, 2), "3 (dim 0 of the first) != 4 (dim 0 of the second)"),
    ((2, 3), (4,), "3 (dim 1 of the first) != 4 (dim 0 of the second)"),
    ((2, 3, 4), (5, 4, 2), "axis -3 has sizes 2 and 5"),
    ((), (4,), "at least one axis"),
])
def test_matmul_errors(sa, sb, detail):
    a = Tensor.ones(*sa, requires_grad=True)
    err = _raises(lambda: a @ Tensor.ones(*sb))
    assert_clean(err, ValueError, "matmul", detail)
    if sa and sb:
        assert str(sa) in str(err) and str(sb) in str(err)


@pytest.mark.parametrize("fn", [lambda: Tensor(np.ones(2, np.int8)) + 300,
                                lambda: 300 * Tensor(np.ones(2, np.uint8)),
                                lambda: Tensor(np.ones(2, np.uint8)) - (-1)])
def test_an_integer_that_does_not_fit_the_tensors_dtype(fn):
    """NumPy 2 refuses it as NumPy does; it was NumPy's bare OverflowError from tensor.py."""
    assert_clean(_raises(fn), OverflowError, "integer operand", "out of bounds", "astype")


def test_cat_and_stack_errors():
    a = Tensor.ones(2, 3)
    assert_clean(_raises(lambda: tg.cat([a, Tensor.ones(2, 4)])), ValueError, "cat", (2, 3), (2, 4),
                 "axis 0")
    assert_clean(_raises(lambda: tg.cat([a, Tensor.ones(3)])), ValueError, "cat", (2, 3), (3,),
                 "number of axes")
    assert_clean(_raises(lambda: tg.cat([a, a], axis=5)), (ValueError, IndexError), "cat", "axis 5")
    assert_clean(_raises(lambda: tg.cat([])), ValueError, "cat")
    err = _raises(lambda: tg.stack([]))                 # (it said "cat: needs at least one")
    assert_clean(err, ValueError, "stack")
    assert str(err).startswith("stack:")
    assert_clean(_raises(lambda: tg.stack([a, Tensor.ones(4, 3)])), ValueError, "stack", (2, 3),
                 (4, 3))


@pytest.mark.parametrize("label, fn, kinds, op, parts", [
    ("reshape", lambda x: x.reshape(4, 2), ValueError, "reshape", [(2, 3), (4, 2), "6 elements"]),
    ("reshape type", lambda x: x.reshape("a"), TypeError, "reshape", []),
    ("transpose", lambda x: x.transpose(0, 0), ValueError, "transpose", [(0, 0), (2, 3)]),
    ("expand", lambda x: x.expand(4, 3), ValueError, "expand", [(2, 3), (4, 3), "axis -2"]),
    ("expand fewer", lambda x: x.expand(3), ValueError, "expand", ["fewer axes"]),
    ("squeeze", lambda x: x.squeeze(0), ValueError, "squeeze", [(2, 3)]),
    ("unsqueeze", lambda x: x.unsqueeze(5), ValueError, "unsqueeze", ["axis 5"]),
    ("swapaxes", lambda x: x.swapaxes(0, 5), ValueError, "swapaxes", ["axis 5", (2, 3)]),
    ("flatten", lambda x: x.flatten(3), ValueError, "flatten", ["axis 3"]),
    ("sum axis", lambda x: x.sum(axis=3), ValueError, "sum", ["axis 3", (2, 3), "-2..1"]),
    ("max axis", lambda x: x.max(axis=-3), ValueError, "max", ["axis -3", (2, 3)]),
    ("mean axis", lambda x: x.mean(axis=3), ValueError, "mean", ["axis 3"]),
    ("var axis", lambda x: x.var(axis=3), ValueError, "var", ["axis 3"]),
    ("softmax axis", lambda x: x.softmax(axis=3), ValueError, "softmax", ["axis 3", (2, 3)]),
    ("log_softmax axis", lambda x: x.log_softmax(axis=2), ValueError, "log_softmax", ["axis 2"]),
    ("logsumexp axis", lambda x: x.logsumexp(axis=2), ValueError, "logsumexp", ["axis 2"]),
    ("index", lambda x: x[5], IndexError, "indexing", ["index 5", (2, 3)]),
    ("index dims", lambda x: x[0, 0, 0], IndexError, "indexing", [(2, 3)]),
    ("index type", lambda x: x[1.5], IndexError, "indexing", [(2, 3)]),
    ("index mask", lambda x: x[np.ones(3, bool)], IndexError, "indexing", [(2, 3)]),
    ("index floats", lambda x: x[Tensor([1, 0])], IndexError, "indexing",
     [(2, 3), "idx.astype('int64')", "Tensor([1, 0]) is float32"]),
    ("astype", lambda x: x.astype("complex64"), TypeError, "astype", ["complex64"]),
    ("astype name", lambda x: x.astype("foo"), TypeError, "astype", ["'foo'"]),
    ("item", lambda x: x.item(), ValueError, "item", [(2, 3)]),
])
def test_tensor_method_errors(label, fn, kinds, op, parts):
    x = Tensor.ones(2, 3, requires_grad=True)
    assert_clean(_raises(lambda: fn(x)), kinds, op, *parts)


def test_empty_reductions_are_clear():
    assert_clean(_raises(lambda: Tensor.ones(0).max()), ValueError, "max", (0,))
    assert_clean(_raises(lambda: Tensor.ones(2, 0).softmax()), ValueError, "softmax", "empty",
                 (2, 0))


@pytest.mark.parametrize("label, fn, kind, op", [
    ("ragged", lambda: Tensor([[1.0, 2.0], [3.0]]), ValueError, "Tensor"),
    ("strings", lambda: Tensor(["a", "b"]), TypeError, "Tensor"),
    ("None", lambda: Tensor(None), TypeError, "Tensor"),
    ("complex", lambda: Tensor(np.ones(2, complex)), TypeError, "Tensor"),
    ("bad dtype", lambda: Tensor([1.0], dtype="nope"), TypeError, "Tensor"),
    ("int grad", lambda: Tensor(np.array([1, 2]), requires_grad=True), TypeError, "Tensor"),
    ("zeros", lambda: Tensor.zeros(-1, 2), ValueError, "zeros"),
    ("ones type", lambda: Tensor.ones(2.5), TypeError, "ones"),
    ("randn", lambda: Tensor.randn(2, -3), ValueError, "randn"),
    ("zeros dtype", lambda: Tensor.zeros(2, dtype="foo"), TypeError, "zeros"),
    ("ones_like dtype", lambda: Tensor.ones_like(Tensor.ones(2), dtype="foo"), TypeError,
     "ones_like"),
    ("zeros_like dtype", lambda: Tensor.zeros_like(Tensor.ones(2), dtype="foo"), TypeError,
     "zeros_like"),
    ("full size", lambda: Tensor.full((-1,), 1.0), ValueError, "full"),
    ("full shape", lambda: Tensor.full(2.5, 1.0), TypeError, "full"),
    ("full value", lambda: Tensor.full((2,), "a"), ValueError, "full"),
    ("arange step", lambda: Tensor.arange(0, 1, 0), ValueError, "arange"),
    ("arange type", lambda: Tensor.arange("a"), TypeError, "arange"),
    ("eye size", lambda: Tensor.eye(-1), ValueError, "eye"),
    ("eye type", lambda: Tensor.eye(2.5), TypeError, "eye"),
    ("uniform bounds", lambda: Tensor.uniform(2, low=1.0, high=-1.0), ValueError, "uniform"),
    ("randn dtype", lambda: Tensor.randn(2, dtype="foo"), TypeError, "randn"),
])
def test_construction_errors(label, fn, kind, op):
    assert_clean(_raises(fn), kind, op)


@pytest.mark.parametrize("operand", ["x", None, object(), {"a": 1}])
def test_unsupported_operands_are_type_errors_not_nan(operand):
    x = Tensor.ones(2)
    for fn in (lambda: x + operand, lambda: operand * x, lambda: x - operand):
        assert_clean(_raises(fn), TypeError, "unsupported operand", type(operand).__name__)


@pytest.mark.parametrize("make", [Tensor.randn, Tensor.rand, Tensor.uniform])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_random_samples_refuse_integer_dtypes_that_would_truncate_them(make, dtype):
    """Tensor.rand(3, dtype='int64') was all zeros, randn's samples truncated, silently."""
    name = make.__name__
    assert_clean(_raises(lambda: make(3, dtype=dtype)), TypeError, name, dtype, "get_rng().integers")
    assert make(3, dtype="float64").dtype == np.float64


def test_setitem_errors():
    x = Tensor.ones(2, 3)
    assert_clean(_raises(lambda: x.__setitem__(7, 1.0)), IndexError, "setitem (x[index] = value)", (2, 3))
    assert_clean(_raises(lambda: x.__setitem__(0, np.ones(5))), ValueError, "setitem (x[index] = value)", (5,))
    op, fix = "setitem (x[index] = value)", "Index with integers, e.g. idx.astype('int64')"
    assert_clean(_raises(lambda: x.__setitem__(Tensor([1]), 0.0)), IndexError, op, fix)
    recorded = Tensor.ones(2, 3, requires_grad=True) * 1
    assert_clean(_raises(lambda: recorded.__setitem__(Tensor([1]), 0.0)), IndexError, op, fix)
    assert x._version == 0  # nothing was written


def test_inplace_shape_and_dtype_errors():
    x = Tensor.ones(2, 3)
    assert_clean(_raises(lambda: x.__iadd__(Tensor.ones(3, 2, 3))), ValueError, "in-place add (x += y)")
    i = Tensor(np.array([1, 2]))
    assert_clean(_raises(lambda: i.__iadd__(0.5)), TypeError, "in-place add (x += y)", "int64")
    assert (i.numpy() == [1, 2]).all() and x._version == 0 and i._version == 0


def test_integer_and_bool_arithmetic_does_not_fail_oddly():
    i = Tensor(np.array([1, 2]))
    assert (i / Tensor(np.array([2, 4]))).tolist() == [0.5, 0.5]   # true division, as NumPy
    assert (i / 2).dtype == np.float64 or (i / 2).dtype.kind == "f"
    assert abs(Tensor([True, False])).tolist() == [True, False]


# ----------------------------------------------------------------- losses ----
@pytest.mark.parametrize("loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits,
                                  F.mse_loss, F.categorical_cross_entropy])
def test_loss_shape_mismatch_names_loss_and_shapes(loss):
    p = Tensor.full((4, 1), 0.5, requires_grad=True)
    err = _raises(lambda: loss(p, np.zeros((4, 2), np.float32)))
    assert_clean(err, ValueError, loss.__name__, (4, 1), (4, 2))
    # (n,) against (n, 1) is aligned, never broadcast to (n, n)
    assert loss(p, np.zeros(4, np.float32)).shape == ()


def test_cross_entropy_label_errors():
    logits = Tensor.zeros(3, 4, requires_grad=True)
    assert_clean(_raises(lambda: F.cross_entropy(logits, np.array([0, 1]))), ValueError,
                 "cross_entropy", (2,), (3, 4))
    assert_clean(_raises(lambda: F.cross_entropy(logits, np.array([0, 1, 4]))), ValueError,
                 "cross_entropy", "[0, 3]")


# ---------------------------------------------------------- autograd misuse ----
def test_backward_on_tensor_without_grad():
    err = _raises(lambda: Tensor([1.0, 2.0]).sum().backward())
    assert isinstance(err, RuntimeError) and "does not require grad" in str(err)
    assert "requires_grad=True" in str(err)


def test_backward_on_non_scalar_needs_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    err = _raises(lambda: (x * 2).backward())
    assert isinstance(err, RuntimeError) and "(2,)" in str(err) and "gradient=" in str(err)
    (x * 2).backward(gradient=Tensor.ones(2))
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("gradient, kind, text", [
    (np.ones(3), RuntimeError, "gradient has shape (3,) but the tensor has shape (2,)"),
    (Tensor.ones(2, 1), RuntimeError, "gradient has shape (2, 1)"),
    ("a", TypeError, "gradient must be a Tensor"),
])
def test_backward_with_wrong_gradient(gradient, kind, text):
    x = Tensor([1.0, 2.0], requires_grad=True)
    err = _raises(lambda: (x * 2).backward(gradient=gradient))
    assert isinstance(err, kind) and text in str(err), err
    assert x.grad is None


def test_second_backward_through_freed_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    err = _raises(y.backward)
    assert isinstance(err, RuntimeError) and "second time" in str(err)
    assert "retain_graph=True" in str(err)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()                      # allowed with retain_graph
    y2 = (x * x).sum()
    tg.grad(y2, x)
    assert isinstance(_raises(lambda: tg.grad(y2, x)), RuntimeError)


def test_integer_tensors_cannot_be_differentiated():
    i = Tensor(np.array([1, 2]))
    assert isinstance(_raises(lambda: i.requires_grad_()), TypeError)
    x = Tensor([1.0], requires_grad=True)
    err = _raises(lambda: tg.grad((x * 2).sum(), i))
    assert isinstance(err, RuntimeError) and "int64" in str(err)
    # integer results of float tensors carry no graph (argmax, comparisons)
    assert not (x > 0).requires_grad and not x.argmax().requires_grad


def test_grad_of_unused_input():
    x = Tensor([1.0, 2.0], requires_grad=True)
    z = Tensor([3.0], requires_grad=True)
    err = _raises(lambda: tg.grad((x * 2).sum(), [x, z]))
    assert isinstance(err, RuntimeError) and "input 1" in str(err) and "allow_unused=True" in str(err)
    gx, gz = tg.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gz is None


def test_grad_argument_types():
    x = Tensor([1.0], requires_grad=True)
    assert_clean(_raises(lambda: tg.grad(3.0, x)), TypeError, "grad", "float")
    assert_clean(_raises(lambda: tg.grad(x.sum(), [x, 2])), TypeError, "grad", "int")
    assert_clean(_raises(lambda: tg.grad(x.sum(), x, grad_outputs=[None, None])), ValueError, "grad")


def test_non_leaf_cannot_turn_off_requires_grad():
    x = Tensor([1.0], requires_grad=True)
    assert isinstance(_raises(lambda: (x * 2).requires_grad_(False)), RuntimeError)


# -------------------------------------------------------- in-place changes ----
def _mul_graph():
    a = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0])
    return a, w, (a * w).sum()


@pytest.mark.parametrize("change", [
    lambda w: w.__iadd__(1.0),
    lambda w: w.__imul__(2.0),
    lambda w: w.__setitem__(0, 5.0),
    lambda w: setattr(w, "data", np.zeros(2, np.float32)),
], ids=["+=", "*=", "setitem", "data="])
def test_inplace_change_of_saved_input_raises_at_backward(change):
    a, w, loss = _mul_graph()
    change(w)
    err = _raises(loss.backward)
    assert isinstance(err, RuntimeError)
    assert "Mul backward: input 1 of shape (2,) was modified in place" in str(err)
    assert a.grad is None


@pytest.mark.parametrize("alias", [
    lambda w: w.detach(),
    lambda w: w.reshape(2, 1),
    lambda w: w[0:2],
    lambda w: w[...],
], ids=["detach", "reshape", "slice", "ellipsis"])
def test_inplace_change_through_an_alias_raises(alias):
    a, w, loss = _mul_graph()
    v = alias(w)
    with tg.no_grad():
        v += 10.0
    err = _raises(loss.backward)
    assert isinstance(err, RuntimeError) and "shares memory" in str(err), err


def test_inplace_change_of_base_while_view_is_saved():
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    w = Tensor([[3.0, 4.0]])
    loss = (a * w.T.T).sum()          # Mul saved a view of w
    w += 1.0
    assert "shares memory" in str(_raises(loss.backward))


def test_setitem_on_a_disjoint_slice_is_fine():
    a = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([1.0, 2.0, 3.0])
    loss = (a * x[1:]).sum()          # saved: a view of x[1:]
    x[0] = 7.0                        # writes only x[0]
    loss.backward()
    assert a.grad.tolist() == [2.0, 3.0]


def test_output_of_exp_modified_in_place():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()
    loss = b.sum()
    with tg.no_grad():
        b += 1.0
    err = _raises(loss.backward)
    assert "Exp backward: its output of shape (2,) was modified in place" in str(err)


def test_recorded_inplace_op_rewires_the_graph():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b += 1                             # recorded: b is now (a * 2) + 1
    b *= 3
    c = (b * b).sum()
    c.backward()
    expected = 2 * (3 * (2 * a.numpy() + 1)) * 3 * 2
    np.testing.assert_allclose(a.grad.numpy(), expected)


def test_recorded_inplace_op_after_use_keeps_the_graph_that_was_used():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()
    c = b.sum()                        # recorded before b changes: c = sum(exp(a))
    b *= 2                             # b is now 2 exp(a), for what comes after
    d = b.sum()
    c.backward(retain_graph=True)      # as PyTorch: dc/da = exp(a)
    np.testing.assert_allclose(a.grad.numpy(), np.exp(a.numpy()), rtol=1e-6)
    a.grad = None
    d.backward()                       # dd/da = 2 exp(a)
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp(a.numpy()), rtol=1e-6)


def test_inplace_on_leaf_requiring_grad_while_recording():
    w = Tensor([1.0], requires_grad=True)
    err = _raises(lambda: w.__iadd__(1.0))
    assert isinstance(err, RuntimeError) and "no_grad" in str(err)
    err = _raises(lambda: w.__setitem__(0, 2.0))
    assert isinstance(err, RuntimeError) and "no_grad" in str(err)
    assert w.tolist() == [1.0]


@pytest.mark.parametrize("index", [1, slice(0, 2), (slice(None), 0), np.array([2, 0]),
                                   np.array([True, False, True]), Ellipsis])
def test_recorded_setitem_has_the_right_gradients(index):
    from tinygrad_edu.testing import gradcheck
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((3, 3)), requires_grad=True)

    def fn(w, v):
        h = w * 2.0
        h[index] = v * 3.0               # recorded: where(mask, v placed at index, old h)
        return (h * h).sum()
    selected = np.shape(np.zeros((3, 3))[index])
    v = Tensor(rng.standard_normal(selected[-1:] if selected else ()), requires_grad=True)
    assert gradcheck(fn, [w, v])
    # and by hand: the assigned elements get no gradient from the old value
    loss = fn(w, v)
    loss.backward()
    mask = np.zeros((3, 3), bool)
    mask[index] = True
    assert (w.grad.numpy()[mask] == 0).all()


def test_recorded_setitem_fills_a_buffer_and_refuses_ambiguous_cases():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = Tensor.zeros(2, 3)
    buf[0] = w * 2                       # buffer that does not require grad: now it does
    buf[1, 1:] = w[:2]
    buf.sum().backward()
    assert buf.requires_grad and w.grad.tolist() == [3.0, 3.0, 2.0]
    h = w * 1
    err = _raises(lambda: h.__setitem__(np.array([0, 0]), w[:2]))
    assert isinstance(err, ValueError) and "more than once" in str(err)
    err = _raises(lambda: h.__setitem__(0, w))
    assert_clean(err, ValueError, "setitem (x[index] = value)", (3,), "()")
    err = _raises(lambda: h.__setitem__(7, 1.0))
    assert_clean(err, IndexError, "setitem (x[index] = value)", (3,))
    assert h._version == 0               # nothing was written by the failed assignments


def test_inplace_before_use_is_fine_and_updates_after_backward_are_fine():
    a = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0])
    w += 1.0                            # before the forward pass: no problem
    loss = (a * w).sum()
    loss.backward()
    w += 1.0                            # after backward: no problem
    assert a.grad.tolist() == [4.0, 5.0]


def test_optimizer_updates_outside_the_graph_keep_working():
    from tinygrad_edu.optim import SGD, Adam
    for opt_cls in (SGD, Adam):
        w = Tensor([1.0, -2.0], requires_grad=True)
        opt = opt_cls([w], lr=0.1)
        for _ in range(5):
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            opt.step()
        assert np.abs(w.numpy()).max() < 2.0 and w._version == 5
    # manual SGD with no_grad and a view of the parameter
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        w.grad = None
        (w.reshape(2, 1) * w.reshape(2, 1)).sum().backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
    np.testing.assert_allclose(w.numpy(), np.array([1.0, 2.0]) * 0.8 ** 3, rtol=1e-6)


# ----------------------------------------- accumulation into stale gradients ---
def test_warning_when_gradients_are_not_zeroed_after_a_step():
    from tinygrad_edu.optim import SGD
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w * w).sum().backward()
        (w * w).sum().backward()        # accumulating between steps: intended, silent
        opt.step()
        opt.zero_grad()
        (w * w).sum().backward()        # zeroed: silent
        opt.step()
    with pytest.warns(tg.autograd.GradientAccumulationWarning, match="zero_grad") as rec:
        (w * w).sum().backward()        # forgot zero_grad after the step
    assert rec[0].filename == __file__  # points at the user's line


@pytest.mark.parametrize("reset", [
    lambda w: setattr(w, "grad", None),
    lambda w: w.grad.__imul__(0.0),
    lambda w: w.grad.__setitem__(Ellipsis, 0.0),
    lambda w: w.grad.numpy().fill(0.0),
], ids=["None", "*= 0", "[...] = 0", "numpy fill"])
def test_no_warning_when_grad_is_reset_in_any_way(reset):
    from tinygrad_edu.optim import SGD
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            (w * w).sum().backward()
            opt.step()
            reset(w)


def test_no_warning_in_fit():
    from tinygrad_edu.article import build_model
    model = build_model()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, (x[:, 0] > 0).astype(np.float32), epochs=2, batch_size=16, verbose=0)


def test_no_warning_when_grad_is_replaced_by_the_user():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.1 * w.grad
    w.grad = Tensor([0.0, 0.0])         # the user reset it their way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w * w).sum().backward()


# ---------------------------------------------------------------- training ----
def _diverging_model():
    from tinygrad_edu.nn import Dense, Sequential
    rng = np.random.default_rng(0)
    x = rng.random((64, 2)).astype(np.float32)
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(loss="mse", optimizer="sgd")
    model.optimizer.lr = 50.0
    return model, x, x.sum(axis=1, keepdims=True)


def test_divergence_stops_fit_with_a_clear_warning():
    model, x, y = _diverging_model()
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.warns(RuntimeWarning, match="learning rate is probably too high"):
        history = model.fit(x, y, epochs=30, verbose=0)
    losses = history.history["loss"]
    assert len(losses) < 30                                   # stopped, not 30 epochs of NaN
    assert all(np.isfinite(v) for v in losses[:-1])
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())  # bad update skipped


def test_divergence_with_terminate_on_nan(capsys):
    from tinygrad_edu.training import TerminateOnNaN
    model, x, y = _diverging_model()
    stop = TerminateOnNaN()
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")                       # no warning: the callback reports it
        history = model.fit(x, y, epochs=30, verbose=0, callbacks=[stop])
    assert stop.stopped is not None and not np.isfinite(stop.stopped[2])
    assert len(history.history["loss"]) == stop.stopped[0] + 1
    assert "TerminateOnNaN" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, text", [
    (dict(batch_size=0), "batch_size must be an integer >= 1"),
    (dict(epochs=-1), "epochs must be an integer >= 0"),
])
def test_fit_argument_errors(kwargs, text):
    from tinygrad_edu.nn import Dense, Sequential
    model = Sequential([Dense(1, input_dim=2, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match=text) as info:
        model.fit(np.zeros((8, 2)), np.zeros(8), verbose=0, **kwargs)
    assert str(info.value).startswith("fit:")


def test_dense_and_predict_input_size_errors():
    from tinygrad_edu.nn import Dense, Sequential
    model = Sequential([Dense(4, input_dim=2, activation="relu"), Dense(1)])
    err = _raises(lambda: model(Tensor.ones(5, 3)))
    assert isinstance(err, ValueError) and "(5, 3)" in str(err) and "2 features" in str(err)
    model.compile(loss="mse", optimizer="sgd")
    err = _raises(lambda: model.predict(np.ones((5, 3))))
    assert str(err).startswith("predict:") and "(5, 3)" in str(err)


# ------------------------------------------------------ the docs catalogue ----
CASE = re.compile(r"^```py\n(.*?)^```\n+```text\n(.*?)^```", re.S | re.M)
PRELUDE = """\
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F
"""


def run_case(code):
    """Run one catalogue example; return 'ExceptionType: message' of what it raised or warned."""
    ns = {}
    exec(compile(PRELUDE, "<prelude>", "exec"), ns)  # noqa: S102 - our own docs
    # let tracebacks (and detect_anomaly's "op created at") show the example's lines
    linecache.cache["<docs/errors.md>"] = (len(code), None, code.splitlines(True), "<docs/errors.md>")
    cwd = os.getcwd()
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("error")
        os.chdir(tmp)  # examples may write files
        try:
            exec(compile(code, "<docs/errors.md>", "exec"), ns)  # noqa: S102
        except Exception as e:  # noqa: BLE001 - reporting what happened
            return f"{type(e).__name__}: {e}"
        finally:
            os.chdir(cwd)
    return "(no error)"


def catalogue():
    return CASE.findall(DOC.read_text(encoding="utf-8"))


def test_catalogue_has_the_cases():
    cases = catalogue()
    assert len(cases) >= 25
    text = DOC.read_text(encoding="utf-8")
    assert "errors.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for heading in ("Shape errors", "Autograd misuse", "In-place changes", "Training",
                    "detect_anomaly"):
        assert heading in text, heading


@pytest.mark.parametrize("i", range(len(catalogue())))
def test_catalogue_messages_are_true(i):
    code, expected = catalogue()[i]
    got = run_case(code)
    assert got != "(no error)", code
    assert got == expected.strip(), f"docs/errors.md case {i} is out of date:\n{code}\ngot: {got}"


def write_catalogue():
    """Rewrite the ```text blocks of docs/errors.md with the messages the code gives now."""
    text = DOC.read_text(encoding="utf-8")

    def fill(m):
        return f"```py\n{m.group(1)}```\n\n```text\n{run_case(m.group(1))}\n```"
    DOC.write_text(CASE.sub(fill, text), encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:
    write_catalogue()
