"""numpy_api/logical.py: masks and integers (& | ^ ~ //), against NumPy's values and dtypes."""
import operator

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import numpy_api

MASK_A = np.array([[True, False, True], [False, False, True]])
MASK_B = np.array([[False, False, True], [True, False, True]])
INT_A = np.array([[12, -7, 5], [0, 255, -1]])
INT_B = np.array([[10, 3, 5], [7, 1, 2]], dtype=np.int32)
BINARY = [(operator.and_, tg.bitwise_and, np.bitwise_and), (operator.or_, tg.bitwise_or,
                                                             np.bitwise_or),
          (operator.xor, tg.bitwise_xor, np.bitwise_xor)]


@pytest.mark.parametrize("op,fn,ref", BINARY, ids=["and", "or", "xor"])
@pytest.mark.parametrize("a,b", [(MASK_A, MASK_B), (INT_A, INT_B), (INT_A, MASK_B[0])],
                         ids=["bools", "ints", "int-bool"])
def test_bit_operators_are_numpys(op, fn, ref, a, b):
    want = ref(a, b)
    for got in (op(tg.Tensor(a), tg.Tensor(b)), fn(tg.Tensor(a), b), op(a, tg.Tensor(b)),
                getattr(tg.Tensor(a), fn.__name__)(tg.Tensor(b))):
        assert type(got) is tg.Tensor and got.dtype == want.dtype and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), want)


def test_numbers_on_either_side_keep_the_tensors_dtype():
    x = tg.Tensor(np.array([5, 6], np.uint8))
    for got, want in ((x & 3, np.array([5, 6], np.uint8) & 3), (3 | x, 3 | np.array([5, 6],
                                                                                    np.uint8)),
                      (x ^ 255, np.array([5, 6], np.uint8) ^ 255)):
        assert got.dtype == want.dtype == np.uint8
        np.testing.assert_array_equal(got.numpy(), want)


def test_invert_is_not_for_masks_and_the_complement_for_integers():
    np.testing.assert_array_equal((~tg.Tensor(MASK_A)).numpy(), ~MASK_A)
    np.testing.assert_array_equal(tg.invert(tg.Tensor(INT_A)).numpy(), ~INT_A)
    assert tg.bitwise_not is tg.invert
    assert tg.Tensor(MASK_A).bitwise_not().tolist() == (~MASK_A).tolist()


def test_a_mask_from_comparisons_selects_as_in_numpy():
    data = np.array([-0.5, 0.2, 0.7, 1.5])
    x = tg.Tensor(data, requires_grad=True)
    inside = (x > 0) & (x < 1) | (x == -0.5)
    np.testing.assert_array_equal(inside.numpy(), (data > 0) & (data < 1) | (data == -0.5))
    tg.where(~inside, x * 0, x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(inside.numpy(), 2 * data, 0))


@pytest.mark.parametrize("expr,op", [(lambda x: x & (x > 0), "bitwise_and (&)"),
                                     (lambda x: (x > 0) | x, "bitwise_or (|)"),
                                     (lambda x: x ^ 1, "bitwise_xor (^)"),
                                     (lambda x: ~x, "invert (~)")])
def test_floats_have_no_bits_and_the_error_says_to_compare_first(expr, op):
    with pytest.raises(TypeError, match=rf"^{op.split()[0]} \(.\): a float32 tensor has no bits"
                                        rf".*compare first, e\.g\. \(x > 0\) & \(x < 1\)"):
        expr(tg.Tensor([1.0, 2.0]))


def test_shapes_that_do_not_broadcast_are_named():
    with pytest.raises(ValueError, match=r"^bitwise_and: shapes \(2,\) and \(3,\) cannot be "
                                         r"broadcast together"):
        tg.Tensor([True, False]) & tg.Tensor([True, False, True])
    with pytest.raises(ValueError, match=r"^floor_divide: shapes \(2,\) and \(3,\)"):
        tg.Tensor([1.0, 2.0]) // tg.Tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize("fn,ref", [(tg.logical_and, np.logical_and), (tg.logical_or,
                                                                       np.logical_or),
                                    (tg.logical_xor, np.logical_xor)])
def test_logical_functions_take_any_dtype_and_give_bools(fn, ref):
    a, b = np.array([0.0, 1.5, -2.0, 0.0]), np.array([3, 0, 1, 0])
    got = fn(tg.Tensor(a, requires_grad=True), tg.Tensor(b))
    assert got.dtype == np.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), ref(a, b))
    np.testing.assert_array_equal(getattr(tg.Tensor(a), fn.__name__)(b).numpy(), ref(a, b))
    np.testing.assert_array_equal(tg.logical_not(tg.Tensor(a)).numpy(), np.logical_not(a))


@pytest.mark.parametrize("a,b", [(INT_A, INT_B), (INT_A, 3), (-7, INT_B), (MASK_A, MASK_A | True),
                                 (np.array([7.5, -7.5, 1e17, 1.0, -1.0]),
                                  np.array([2.0, 2.0, 3.0, np.inf, 0.0]))],
                         ids=["ints", "int-number", "number-int", "bools", "floats"])
def test_floor_divide_is_numpys_value_and_dtype(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.floor_divide(a, b)
    ta = tg.Tensor(a) if isinstance(a, np.ndarray) else a
    tb = tg.Tensor(b) if isinstance(b, np.ndarray) else b
    for got in (ta // tb, tg.floor_divide(ta, tb)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)


def test_integer_floor_division_by_zero_gives_numpys_zero_quietly():
    with np.errstate(all="raise"):
        assert (tg.Tensor(np.array([5, -5])) // 0).tolist() == [0, 0]


def test_float_floor_division_is_a_step_with_gradient_zero_for_both_operands():
    a = tg.Tensor(np.array([7.5, -7.5, 3.0]), requires_grad=True)
    b = tg.Tensor(np.array([2.0, 2.0, 0.5]), requires_grad=True)
    q = a // b
    assert q.requires_grad and q.tolist() == [3.0, -4.0, 6.0]
    (q * a + a).sum().backward()                         # d/da of q a + a = q + 1 (q is a step)
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, -3.0, 7.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, 0.0])
    assert tg.grad((a // 2.0).sum(), a)[0].tolist() == [0.0, 0.0, 0.0]
    assert {t.grad_fn.scope for t in tg.engine.toposort([q]) if t.grad_fn} == {("floor_divide",)}


def test_floor_divide_and_remainder_rebuild_the_dividend():
    a, b = np.array([7, -7, 9, -9]), np.array([2, 2, -4, -4])
    x, y = tg.Tensor(a), tg.Tensor(b)
    np.testing.assert_array_equal(((x // y) * y + x % y).numpy(), a)


def test_jit_replays_masks_and_floor_division_as_eager_mode():
    def step(x, k):
        m = (x > 0) & ~(x > 2) | (k == 3)
        return (tg.where(m, x, 0.0) * (x // 1.5)).sum() + (k // 2 ^ 1).sum()

    traced = tg.jit(step)
    for i in range(4):
        x, k = tg.Tensor(np.array([-1.0, 1.0, 2.5, 3.0]) + i), tg.Tensor(np.array([1, 3, 9, 4]) + i)
        assert traced(x, k).item() == step(x, k).item()


def test_every_function_is_public_and_a_method():
    for name in numpy_api.logical.__all__:
        assert getattr(tg, name) is getattr(numpy_api, name)
        if name != "invert":
            assert name in numpy_api.METHODS
