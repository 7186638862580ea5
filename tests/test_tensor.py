"""Tensor construction, attributes, creation functions, operators and in-place updates."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


# ------------------------------------------------------------------ construction
@pytest.mark.parametrize("data", [1.5, 3, [1, 2, 3], [[1.0, 2.0], [3.0, 4.0]]])
def test_python_scalars_and_lists_become_float32(data):
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float32))


def test_bool_lists_stay_bool():
    assert Tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_ndarray_keeps_dtype(dtype):
    assert Tensor(np.zeros(3, dtype=dtype)).dtype == dtype


def test_dtype_override_and_copy():
    a = np.arange(3)
    t = Tensor(a, dtype="float64")
    assert t.dtype == np.float64
    t2 = Tensor(a.astype(np.float32))
    a[0] = 100
    assert t2.data[0] == 0, "construction copies the array"


def test_tensor_from_tensor():
    t = Tensor([1.0, 2.0])
    assert Tensor(t).shape == (2,) and Tensor(t).data is not t.data


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_integer_and_bool_tensors_cannot_require_grad(dtype):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        Tensor(np.zeros(2, dtype=dtype), requires_grad=True)
    t = Tensor(np.zeros(2, dtype=dtype))
    with pytest.raises(TypeError, match="floating-point"):
        t.requires_grad_()
    with pytest.raises(TypeError):
        t.requires_grad = True


def test_unsupported_dtype():
    with pytest.raises(TypeError, match="unsupported dtype"):
        Tensor(np.array(["a", "b"]))


@pytest.mark.parametrize("data, kind", [(None, "NoneType"), ((i for i in range(2)), "generator"),
                                        ({1: 2}, "dict"), ([1.0, None], "list")])
def test_things_that_are_not_numbers_name_themselves(data, kind):
    """They read "unsupported dtype object", NumPy's view of them, not the user's."""
    with pytest.raises(TypeError, match=f"cannot make a tensor from {kind}.*a number, a"):
        Tensor(data)


def test_attributes():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="w")
    assert isinstance(t.data, np.ndarray)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert t.name == "w" and t.requires_grad and t.is_leaf and t.grad is None
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert t.numpy() is t.data
    assert Tensor([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match="one-element"):
        t.item()
    d = t.detach()
    assert not d.requires_grad and d.is_leaf and d.data is t.data
    y = t * 2
    assert not y.is_leaf and y.requires_grad and type(y.grad_fn).__name__ == "Mul"


def test_repr_shows_values_shape_dtype_and_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "Tensor([1., 2.], shape=(2,), dtype=float32, requires_grad=True)"
    assert repr(x * 2) == "Tensor([2., 4.], shape=(2,), dtype=float32, grad_fn=<Mul>)"
    assert "name='bias'" in repr(Tensor([0.0], name="bias"))
    big = repr(Tensor.zeros(100, 100))
    assert "..." in big and "shape=(100, 100)" in big


def test_requires_grad_propagates():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([2.0])
    assert (a * b).requires_grad and not (b * b).requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        (a * b).requires_grad_(False)


# ----------------------------------------------------------------------- creation
def test_creation_functions():
    assert Tensor.zeros(2, 3).shape == (2, 3) and Tensor.zeros((2, 3)).data.sum() == 0
    assert Tensor.ones(4).data.sum() == 4 and Tensor.ones(4).dtype == np.float32
    np.testing.assert_array_equal(Tensor.full((2, 2), 7.0).data, np.full((2, 2), 7.0))
    np.testing.assert_array_equal(Tensor.arange(5).data, np.arange(5, dtype=np.float32))
    np.testing.assert_array_equal(Tensor.arange(1, 7, 2).data, [1, 3, 5])
    np.testing.assert_array_equal(Tensor.eye(3).data, np.eye(3))
    u = Tensor.uniform(1000, low=-2, high=-1)
    assert u.data.min() >= -2 and u.data.max() < -1
    r = Tensor.rand(1000)
    assert 0 <= r.data.min() and r.data.max() < 1
    assert Tensor.randn(3, 4, requires_grad=True).requires_grad
    x = Tensor.randn(2, 3, dtype="float64")
    assert tg.zeros_like(x).shape == (2, 3) and tg.zeros_like(x).dtype == np.float64
    assert tg.ones_like(x).data.sum() == 6
    assert Tensor.zeros(3, dtype="int64").dtype == np.int64


def test_manual_seed_makes_random_creation_reproducible():
    tg.manual_seed(7)
    a = [Tensor.randn(3).data, Tensor.rand(2).data, Tensor.uniform(2, low=1, high=2).data]
    tg.manual_seed(7)
    b = [Tensor.randn(3).data, Tensor.rand(2).data, Tensor.uniform(2, low=1, high=2).data]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    tg.manual_seed(8)
    assert not np.array_equal(Tensor.randn(3).data, a[0])


# ---------------------------------------------------------------------- operators
A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=np.float32)
B = np.array([2.0, 0.25, -3.0], dtype=np.float32)


@pytest.mark.parametrize("dtype", ["int64", "int8", "int16", "bool"])
@pytest.mark.parametrize("number", [0.1, 3, True])
def test_a_number_with_an_integer_or_bool_tensor_promotes_as_in_numpy(dtype, number):
    """int * 0.1 was float64 made of a float32 0.1 (0.10000000149...), the mean of ints too."""
    a = np.array([1, 0, 1], dtype=dtype)
    for got, want in ((Tensor(a) * number, a * number), (number + Tensor(a), number + a)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)
    assert Tensor(np.array([1, 2, 3])).mean().item() == 2.0


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_binary_operators_mix_with_numbers_and_arrays(op):
    f = eval(f"lambda a, b: a {op} b")  # noqa: S307 - our own literal
    t = Tensor(A)
    for other in (Tensor(B), B, 2.0, 3):
        got = f(t, other)
        assert isinstance(got, Tensor)
        np.testing.assert_allclose(got.data, f(A, other.data if isinstance(other, Tensor) else other),
                                   rtol=1e-6)
        assert got.dtype == np.float32, "numbers must not promote float32"
        rgot = f(other, t)
        assert isinstance(rgot, Tensor), f"reflected {op} with {type(other).__name__}"
        np.testing.assert_allclose(rgot.data, f(other.data if isinstance(other, Tensor) else other, A),
                                   rtol=1e-6)


@pytest.mark.parametrize("name,op", [("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/")])
def test_pytorch_names_of_the_operators_are_the_operators(name, op):
    f = eval(f"lambda a, b: a {op} b")  # noqa: S307 - our own literal
    t = Tensor(A, requires_grad=True)
    for other in (Tensor(B), B, 2.0, 3):
        got = getattr(t, name)(other)
        want = f(t, other)
        np.testing.assert_array_equal(got.data, want.data)
        assert got.dtype == np.float32 and type(got.grad_fn) is type(want.grad_fn)


def test_pow_matmul_neg_abs():
    t = Tensor(np.abs(A) + 0.5)
    np.testing.assert_allclose((t ** 2).data, (np.abs(A) + 0.5) ** 2, rtol=1e-6)
    np.testing.assert_allclose((2.0 ** t).data, 2.0 ** (np.abs(A) + 0.5), rtol=1e-5)
    np.testing.assert_allclose((t ** Tensor(B)).data, (np.abs(A) + 0.5) ** B, rtol=1e-5)
    np.testing.assert_allclose((Tensor(A) @ Tensor(B)).data, A @ B, rtol=1e-6)
    np.testing.assert_allclose((B @ Tensor(A).T).data, B @ A.T, rtol=1e-6)
    np.testing.assert_array_equal((-Tensor(A)).data, -A)
    np.testing.assert_array_equal(abs(Tensor(A)).data, np.abs(A))


def test_comparisons_return_bool_tensors_without_grad():
    t = Tensor(A, requires_grad=True)
    for got, want in [(t < 1, A < 1), (t <= 1, A <= 1), (t > B, A > B), (t >= 0.5, A >= 0.5),
                      (t == 3, A == 3), (t != 3, A != 3), (1 < t, 1 < A)]:
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.data, want)
    assert bool((t == t).all())


def test_bool_of_tensor():
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


@pytest.mark.parametrize("index", [
    0, -1, slice(1, None), (slice(None), 1), (Ellipsis, slice(0, 2)), (1, slice(None, None, -1)),
    [1, 0, 1], (np.array([0, 1]), np.array([2, 0])), None,
])
def test_getitem_matches_numpy(index):
    t = Tensor(A)
    np.testing.assert_array_equal(t[index].data, A[index])


def test_getitem_boolean_mask_and_tensor_index():
    t = Tensor(A)
    np.testing.assert_array_equal(t[t > 0].data, A[A > 0])
    np.testing.assert_array_equal(t[Tensor(np.array([1, 0]))].data, A[[1, 0]])


def test_len_and_iter():
    t = Tensor(A)
    assert len(t) == 2
    rows = list(t)
    np.testing.assert_array_equal(rows[1].data, A[1])
    with pytest.raises(TypeError):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match="iter: iteration over a 0-d tensor"):   # (it said "len")
        list(Tensor(1.0))


def test_an_assigned_grad_must_be_a_tensor_of_the_tensors_shape_and_dtype():
    """As in PyTorch.  A (1,) grad was broadcast by the next backward, silently; a (3,) one or
    an array failed later inside an optimizer with NumPy's or Python's own message."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="grad: assigned grad must be a Tensor or None, got "
                                        "ndarray"):
        x.grad = np.ones(2)
    for wrong in (Tensor([5.0]), Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 2.0], dtype="float64")):
        with pytest.raises(ValueError, match=r"grad: assigned grad has shape .* must match"):
            x.grad = wrong
    assert x.grad is None                                 # refused: nothing was stored
    x.grad = Tensor([0.5, 0.5])
    (x * 2).sum().backward()                              # accumulates into the assigned one
    assert x.grad.tolist() == [2.5, 2.5]
    x.grad = None
    assert x.grad is None


def test_data_assignment_keeps_a_tensor_that_requires_grad_floating():
    """x.data = ints made an int64 tensor that required grad (PyTorch refuses it too)."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"data: a tensor that requires grad must hold floats, "
                                        r"got an array of dtype int64"):
        x.data = np.ones(2, dtype=np.int64)
    with pytest.raises(TypeError, match="data: unsupported dtype <U1"):
        Tensor([1, 2]).data = np.array(["a"])
    assert x.dtype == np.float32
    x.data = np.ones(3)                                 # a new shape and float dtype are fine
    assert x.shape == (3,) and x.requires_grad


def test_pickle_and_copies_keep_values_not_the_graph_as_in_pytorch():
    """Both went by recursion through the graph: past ~1,000 ops a RecursionError."""
    import copy
    import pickle
    x = Tensor([1.0, 2.0], requires_grad=True, name="w")
    (x * x).sum().backward()
    y = x
    for _ in range(5000):
        y = y * 1.0
    back = pickle.loads(pickle.dumps(y))                # a leaf with y's values
    assert back.is_leaf and back.requires_grad and back.tolist() == [1.0, 2.0]
    for twin in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert twin.name == "w" and twin.grad.tolist() == [2.0, 4.0]
        assert twin._data is not x._data and twin.requires_grad and twin.is_leaf
    assert copy.copy(x)._data is x._data                # shallow: the same array
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf tensors can be deep-copied "
                                           r"\(this one, of shape \(2,\), was computed by Mul\)"):
        copy.deepcopy(y)
    both = copy.deepcopy([x, x])
    assert both[0] is both[1]                           # one tensor stays one tensor
    w = Tensor([3.0], requires_grad=True)
    (w ** 3).sum().backward(create_graph=True)          # w.grad = 3 w^2, with a graph
    assert copy.deepcopy(w).grad.tolist() == [27.0] and not copy.deepcopy(w).grad._ctx


def test_format_spec_formats_a_one_element_tensor_as_in_pytorch():
    loss = Tensor(1.23456, requires_grad=True) * 2
    assert f"{loss:.3f}" == "2.469" and f"{Tensor([2.5]):>6.1f}" == "   2.5"
    assert f"{Tensor(np.int64(3)):03d}" == "003"
    assert f"{loss}" == str(loss)                       # no spec: the repr, any shape
    with pytest.raises(TypeError, match=r"format: .*shape \(2,\).*item\(\)"):
        f"{Tensor([1.0, 2.0]):.2f}"


def test_numpy_interop():
    t = Tensor(A)
    np.testing.assert_array_equal(np.asarray(t), A)
    got = np.float32(2) * t
    assert isinstance(got, Tensor)
    np.testing.assert_array_equal(got.data, 2 * A)
    assert isinstance(A + t, Tensor)


# ------------------------------------------------------------------------ in-place
def test_inplace_outside_graph_updates_data_and_version():
    t = Tensor(A.copy())
    data = t.data
    v = t._version
    t += 1
    t *= 2
    t -= 1
    t /= 2
    np.testing.assert_allclose(t.data, ((A + 1) * 2 - 1) / 2)
    assert t.data is data and t._version == v + 4
    t[0, 0] = 100.0
    assert t.data[0, 0] == 100 and t._version == v + 5
    t.data = np.zeros(3)
    assert t._version == v + 6 and t.shape == (3,)


def test_inplace_on_leaf_requiring_grad_is_refused_while_recording():
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1
    with tg.no_grad():
        w -= 0.5  # what optimizers do
    np.testing.assert_allclose(w.data, [0.5])


def test_inplace_on_non_leaf_is_recorded():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += x          # y = 3x + x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0])


def test_inplace_change_of_saved_input_is_detected_at_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (x * c).sum()         # d/dx needs c
    c += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_inplace_dtype_or_shape_mismatch_is_clear():
    t = Tensor(np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="in-place"):
        t += 0.5
    with pytest.raises(ValueError, match="in-place"):
        Tensor.zeros(3).__iadd__(Tensor.zeros(2, 3))


def test_tensors_hash_by_identity_like_pytorch():
    """== is elementwise, but a Tensor can still be a dict key or a set member."""
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    assert hash(a) != hash(b) and len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert (a == b).numpy().tolist() == [True, True]          # still elementwise


def test_in_asks_whether_any_element_equals():
    """As NumPy's and PyTorch's: '3.0 in x' iterated over rows and raised the ambiguous-truth error."""
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert 3.0 in x and 7 not in x and Tensor([3.0, 4.0, 5.0]) in x
    assert (3.0 in x) == (3.0 in x.numpy())
    with pytest.raises(ValueError, match=r"in: cannot compare a value of shape \(2,\) with a "
                                         r"tensor of shape \(2, 3\)"):
        Tensor([1.0, 2.0]) in x
