"""Primitive ops: forward values against NumPy, gradients against finite differences (float64).

The property suite (test_properties.py) adds hypothesis-generated shapes; this
file pins down the cases that matter by name: broadcasting in every binary op,
reductions over each axis with and without keepdims, indexing, matmul shapes.
"""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, ops
from tinygrad_edu.special import erf as erf_values
from tinygrad_edu.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def leaf(*shape, low=None):
    data = RNG.standard_normal(shape)
    if low is not None:
        data = low + np.abs(data)
    return Tensor(data, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)


# --------------------------------------------------------------- forward values
def test_forward_values_match_numpy():
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    p = np.abs(a) + 0.1
    A, B, P = Tensor(a), Tensor(b), Tensor(p)
    cases = [
        (ops.Add.apply(A, B), a + b), (ops.Mul.apply(A, B), a * b),
        (ops.Sub.apply(A, B), a - b), (ops.Div.apply(A, B), a / b),
        (ops.Pow.apply(P, exponent=1.5), p ** 1.5), (ops.Power.apply(P, B), p ** b),
        (ops.Exp.apply(A), np.exp(a)),
        (ops.Log.apply(P), np.log(p)), (ops.Tanh.apply(A), np.tanh(a)),
        (ops.Sin.apply(A), np.sin(a)), (ops.Cos.apply(A), np.cos(a)),
        (ops.Erf.apply(A), np.vectorize(math.erf)(a)),
        (ops.Where.apply(A, B, cond=a > 0), np.where(a > 0, a, b)),
        (ops.MatMul.apply(A, Tensor(a.T)), a @ a.T),
        (ops.Sum.apply(A, axis=1), a.sum(1)), (ops.Sum.apply(A, axis=0, keepdims=True), a.sum(0, keepdims=True)),
        (ops.Max.apply(A, axis=None), a.max()), (ops.Max.apply(A, axis=-1, keepdims=True), a.max(-1, keepdims=True)),
        (ops.Reshape.apply(A, shape=(2, 6)), a.reshape(2, 6)), (ops.Transpose.apply(A), a.T),
        (ops.Expand.apply(B, shape=(2, 3, 4)), np.broadcast_to(b, (2, 3, 4))),
        (ops.GetItem.apply(A, index=(slice(1, 3), [0, 0, 2])), a[1:3, [0, 0, 2]]),
        (ops.Cat.apply(A, A, axis=1), np.concatenate([a, a], 1)),
        (ops.Cast.apply(A, dtype=np.float32), a.astype(np.float32)),
    ]
    for got, want in cases:
        assert isinstance(got.data, np.ndarray)
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got.data, want, rtol=1e-12)
    z = np.zeros((3, 4))
    np.add.at(z, (slice(1, 3), [0, 0, 2]), 1.0)
    np.testing.assert_array_equal(
        ops.ScatterAdd.apply(Tensor(np.ones((2, 3))), index=(slice(1, 3), [0, 0, 2]), shape=(3, 4)).data, z)


def test_erf_agrees_with_math_erf_to_a_few_ulps():
    """Erf's forward (Cody's rational approximations) over its three ranges and their edges."""
    x = np.concatenate([RNG.uniform(-6, 6, 20000), RNG.standard_normal(5000) * 1e-3,
                        np.linspace(-30, 30, 2001), [0.46875, np.nextafter(0.46875, 1), 4.0,
                                                    np.nextafter(4.0, 5), 1e-300, -5e-324,
                                                    26.543, 27.0, 0.0, -0.0]])
    want = np.array([math.erf(v) for v in x])
    got = erf_values(x)
    ulps = np.abs(got - want)[got != want] / np.spacing(np.abs(want[got != want]))
    assert ulps.max(initial=0) <= 4
    np.testing.assert_array_equal(erf_values(np.array([np.inf, -np.inf, np.nan])),
                                  [1.0, -1.0, np.nan])
    assert np.signbit(erf_values(-0.0)) and erf_values(np.float32(0.5)).dtype == np.float32
    assert erf_values(np.arange(3)).dtype == np.float64


def test_float32_stays_float32():
    x = Tensor(RNG.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    y = ((x * 2 + 1) ** 2).exp().log().tanh().sum(axis=0).max()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


# -------------------------------------------------------------- broadcasting
BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
                   ((), (2, 3)), ((4,), (2, 3, 4))]


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "div", "power", "where", "maximum"])
def test_binary_op_gradients_with_broadcasting(op, sa, sb):
    a, b = leaf(*sa, low=0.5 if op == "power" else None), leaf(*sb, low=0.5)
    cond = RNG.random(np.broadcast_shapes(sa, sb)) > 0.5
    fns = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "sub": lambda x, y: x - y,
           "div": lambda x, y: x / y, "power": lambda x, y: x ** y,
           "where": lambda x, y: tg.where(cond, x, y),
           "maximum": lambda x, y: tg.maximum(x, y)}
    check(fns[op], a, b)


# ------------------------------------------------------------------ unary
@pytest.mark.parametrize("fn,low", [
    (lambda x: x ** 3, None), (lambda x: x ** -1.5, 0.5), (lambda x: x.exp(), None),
    (lambda x: x.log(), 0.1), (lambda x: x.tanh(), None), (lambda x: x.sin(), None),
    (lambda x: x.cos(), None), (lambda x: (x * x.cos()).sin(), None),
])
def test_unary_gradients(fn, low):
    check(fn, leaf(3, 2, low=low))


@pytest.mark.parametrize("a, b, value, grad_a, grad_b", [
    # a ** b at the bases exp(b log a) cannot take; the gradients as PyTorch gives them
    ([0.0, 0.0, 0.0, 0.0], [3.0, 1.0, 0.5, 0.0], [0, 0, 0, 1], [0, 1, np.inf, 0], [0, 0, 0, 0]),
    ([-2.0, -2.0, -8.0], [2.0, 3.0, -1.0], [4, -8, -0.125], [-4, 12, -0.015625], [np.nan] * 3),
    ([2.0, 9.0], [-1.0, 0.5], [0.5, 3], [-0.25, 1 / 6], [0.5 * np.log(2), 3 * np.log(9)]),
])
def test_power_at_zero_and_negative_bases(a, b, value, grad_a, grad_b):
    x = Tensor(a, requires_grad=True, dtype="float64")
    y = Tensor(b, requires_grad=True, dtype="float64")
    with np.errstate(divide="ignore"):             # 0 ** -0.5: an infinite derivative
        out = x ** y
        out.sum().backward()
    np.testing.assert_allclose(out.numpy(), value, rtol=1e-15)
    np.testing.assert_allclose(out.numpy(), np.power(a, b), rtol=0)
    np.testing.assert_allclose(x.grad.numpy(), grad_a, rtol=1e-15)
    np.testing.assert_allclose(y.grad.numpy(), grad_b, rtol=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
def test_power_of_an_integer_base_differentiates_the_exponent(create_graph):
    """An int64 base with a negative element: the rule's NaN constant was made in the base's
    dtype, and NumPy cannot make an int NaN (a bare "cannot convert float NaN to integer")."""
    b = Tensor([0.5, 1.5, 2.0], requires_grad=True, dtype="float64")
    (grad_b,) = tg.grad((Tensor(np.array([0, 2, -1])) ** b).sum(), b, create_graph=create_graph)
    np.testing.assert_allclose(grad_b.numpy(), [0.0, 2 ** 1.5 * np.log(2), np.nan], rtol=1e-15)


def test_cast_gradient_is_cast_back():
    x = leaf(3, 2)
    y = x.astype("float32")
    assert y.dtype == np.float32 and y.requires_grad
    (y * Tensor(np.arange(6.0).reshape(3, 2), dtype="float32")).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, np.arange(6.0).reshape(3, 2))


# --------------------------------------------------------------- reductions
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["sum", "max", "mean", "min", "var"])
def test_reduction_gradients_over_each_axis(op, axis, keepdims):
    x = leaf(2, 3, 4)
    check(lambda t: getattr(t, op)(axis=axis, keepdims=keepdims), x)


def test_max_splits_ties_evenly():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0.5, 0.5, 0])
    y = Tensor([[2.0, 2.0], [1.0, 5.0]], requires_grad=True)
    y.min(axis=1).sum().backward()
    np.testing.assert_allclose(y.grad.data, [[0.5, 0.5], [1, 0]])


# ----------------------------------------------------------------- shapes
@pytest.mark.parametrize("fn", [
    lambda x: x.reshape(4, 6), lambda x: x.reshape(-1), lambda x: x.T, lambda x: x.transpose(1, 0, 2),
    lambda x: x.permute(2, 0, 1), lambda x: x.flatten(), lambda x: x.flatten(1),
    lambda x: x.unsqueeze(1).expand(2, 5, 3, 4), lambda x: x[:, :1].squeeze(1),
    lambda x: x.broadcast_to((2, 2, 3, 4)), lambda x: x.swapaxes(0, 2), lambda x: x.mT,
])
def test_shape_op_gradients(fn):
    check(fn, leaf(2, 3, 4))


@pytest.mark.parametrize("index", [
    0, -1, (slice(None), 1), (slice(0, 2), slice(None), slice(None, None, 2)), (Ellipsis, 0),
    ([0, 0, 1],), (slice(None), [2, 0, 2]), (np.array([[0, 1], [1, 1]]),), None,
    (slice(None), np.array([True, False, True])),
])
def test_indexing_gradients(index):
    check(lambda x: x[index], leaf(2, 3, 4))


def test_boolean_mask_gradient():
    x = leaf(3, 4)
    mask = x.data > 0
    check(lambda t: t[mask], x)


def test_repeated_integer_index_accumulates():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_allclose(x.grad.data, [3, 0, 1])


def test_cat_and_stack_gradients():
    a, b, c = leaf(2, 3), leaf(4, 3), leaf(2, 3)
    check(lambda x, y: tg.cat([x, y], axis=0), a, b)
    check(lambda x, y: tg.cat([x, y], axis=-1), a, c)
    check(lambda x, y: tg.stack([x, y], axis=1), a, c)


# ------------------------------------------------------------------ matmul
@pytest.mark.parametrize("sa,sb", [
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
])
def test_matmul_shapes_forward_and_gradient(sa, sb):
    a, b = leaf(*sa), leaf(*sb)
    got = a @ b
    np.testing.assert_allclose(got.data, a.data @ b.data, rtol=1e-12)
    check(lambda x, y: x @ y, a, b)


def test_matmul_expands_broadcast_batch_axes_and_the_primitive_refuses_them():
    """``a @ b`` broadcasts batch axes with an Expand before MatMul, so MatMul's rule needs
    no sum; MatMul itself, given unequal batch axes, says what to use instead."""
    a, b = leaf(2, 3, 4), leaf(4, 5)
    y = a @ b
    assert type(y.grad_fn).__name__ == "MatMul"
    assert [type(x.grad_fn).__name__ for x in y.grad_fn.inputs] == ["NoneType", "Expand"]
    (y * y).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), sum(a.data[i].T @ (2 * y.data[i]) for i in range(2)),
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(4, 5\): MatMul "
                                         r"wants equal batch dimensions; use a @ b"):
        ops.MatMul.apply(a, b)


# ----------------------------------------------------------------- second order
@pytest.mark.parametrize("fn,shapes,low", [
    (lambda x, y: x * y, [(3, 1), (1, 4)], None),
    (lambda x, y: (x @ y).tanh(), [(3, 4), (4, 2)], None),
    (lambda x: x.exp(), [(2, 3)], None),
    (lambda x: x.sin() * x.cos(), [(2, 3)], None),
    (lambda x: x.log(), [(2, 3)], 0.5),
    (lambda x: x ** 2.5, [(2, 3)], 0.5),
    (lambda x, y: x ** y, [(2, 3), (3,)], 0.5),
    (lambda x: (x[:, [0, 0, 2]] ** 2).sum(axis=1), [(2, 3)], None),
    (lambda x, y: tg.where(x.data > 0, x * x, y ** 3), [(2, 3), (3,)], None),
    (lambda x: x.transpose().reshape(-1).expand(2, 6) ** 3, [(2, 3)], None),
    (lambda x, y: tg.cat([x, y], axis=0) ** 2, [(2, 3), (1, 3)], None),
])
def test_second_order_representative(fn, shapes, low):
    assert gradgradcheck(fn, [leaf(*s, low=low) for s in shapes])


def test_every_primitive_is_covered_here():
    """Adding a primitive means adding it to the forward-value table above."""
    covered = {"Add", "Sub", "Mul", "Div", "Pow", "Power", "Exp", "Log", "Tanh", "Sin", "Cos", "Erf",
               "Where", "MatMul", "Sum", "Max", "Reshape", "Transpose", "Expand", "GetItem", "ScatterAdd", "Cat", "Cast"}
    assert {p.__name__ for p in ops.PRIMITIVES} == covered
