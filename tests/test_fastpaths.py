"""The hot-path shortcuts (see benchmarks/) compute exactly what the plain code would.

Each shortcut is compared with the straightforward NumPy expression it
replaces, bit for bit where that is the claim, including the awkward values
(NaN, infinities, signed zeros) and the size thresholds on both sides.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, kernels, ops


def _bits(a):
    return a.view(f"u{a.dtype.itemsize}")


def _awkward(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:6] = [np.inf, -np.inf, np.nan, -0.0, 0.0, np.finfo(dtype).tiny]
    cond = rng.random(shape) > 0.5
    cond.reshape(-1)[:6] = [True, False, True, True, False, False]
    return x, cond


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 3), (64, 32), (5000,)])  # below and above the threshold
def test_where_with_zero_is_bitwise_np_where(dtype, shape):
    x, cond = _awkward(shape, dtype)
    zero = np.asarray(0, dtype=dtype)
    for a, b in ((x, zero), (zero, x)):
        got = ops.Where().forward(a, b, cond)
        want = np.where(cond, a, b)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(_bits(got), _bits(want))
        assert got.flags.writeable


def test_where_with_negative_zero_or_other_dtype_takes_the_general_path():
    x, cond = _awkward((64, 32), np.float32)
    for b in (np.asarray(-0.0, dtype=np.float32), np.asarray(0.0, dtype=np.float64),
              np.asarray(1.5, dtype=np.float32)):
        got = ops.Where().forward(x, b, cond)
        want = np.where(cond, x, b)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(_bits(got), _bits(want))


def test_relu_forward_and_gradient_on_a_large_tensor():
    x, _ = _awkward((64, 32), np.float32)
    t = Tensor(x, requires_grad=True)
    y = t.relu()
    np.testing.assert_array_equal(_bits(y.numpy()), _bits(np.maximum(x, np.float32(0))))
    alive = ~(x <= 0)                                      # x > 0, and the NaN
    y.backward(np.full(x.shape, 2.0, dtype=np.float32))
    np.testing.assert_array_equal(t.grad.numpy(), np.where(alive, 2.0, 0.0).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 3), (64, 32), ()])
def test_relu_mask_is_not_x_less_equal_zero(dtype, shape):
    x, _ = _awkward(shape, dtype) if shape else (np.asarray(np.nan, dtype), None)
    for zero in (np.asarray(0, dtype), 0):
        got = kernels.relu_mask(x, zero)
        want = np.logical_not(x <= zero)
        assert got.dtype == want.dtype == bool and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("src,target", [((32, 4), (4,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)),
                                        ((5, 1, 4), (1, 1)), ((3, 4), (3, 4))])
def test_sum_to_matches_numpy(src, target):
    x = np.random.default_rng(1).standard_normal(src).astype(np.float32)
    got = Tensor(x).sum_to(target)
    lead = len(src) - len(target)
    want = x.sum(axis=tuple(range(lead))) if lead else x
    want = want.sum(axis=tuple(i for i, n in enumerate(target) if n == 1 and want.shape[i] != 1),
                    keepdims=True)
    assert got.shape == target
    np.testing.assert_allclose(got.numpy(), want.reshape(target), rtol=1e-5, atol=1e-6)


def test_bias_gradient_through_the_one_sum_path():
    b = Tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    x = Tensor(np.ones((32, 4), dtype=np.float32))
    (x + b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 32, dtype=np.float32))
    # and second order still works through it
    (g,) = tg.grad(((x * b) * (x * b)).sum(), b, create_graph=True)
    (h,) = tg.grad(g.sum(), b)
    np.testing.assert_allclose(h.numpy(), np.full(4, 64, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("number", [2, 0.5, -3, 10**40])
def test_python_numbers_take_the_float_tensor_dtype(dtype, number):
    x = Tensor(np.ones(3), dtype=dtype)
    with np.errstate(over="ignore"):
        for y in (x * number, number - x, x + number, number * x):
            assert y.dtype == np.dtype(dtype)


def test_bool_and_numpy_scalars_keep_the_general_rules():
    x = Tensor(np.ones(3, dtype=np.float32))
    assert (x * True).dtype == np.float32
    assert (x * np.float64(2.0)).dtype == np.float64   # a NumPy scalar is not a Python number


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_mT_swaps_the_last_two_axes_and_back(shape):
    x = Tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape), requires_grad=True)
    y = x.mT
    np.testing.assert_array_equal(y.numpy(), np.swapaxes(x.numpy(), -1, -2))
    (y * Tensor(np.arange(y.size, dtype=np.float32).reshape(y.shape))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(),
                                  np.swapaxes(np.arange(y.size, dtype=np.float32).reshape(y.shape),
                                              -1, -2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 3), (32, 4), (1000, 6), (257, 1)])
def test_sum_over_rows_as_a_matrix_product_matches_np_sum(dtype, shape):
    """A bias gradient (sum over axis 0 of a matrix) runs as ones @ x: same values
    up to rounding order, same dtype and shape; NaN and infinities propagate."""
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    got = ops.Sum().forward(x, axis=0)
    want = x.sum(axis=0)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=10 * np.finfo(dtype).eps * shape[0], atol=0)
    x[0, 0], x[-1, -1] = np.nan, np.inf
    got = ops.Sum().forward(x, axis=0)
    assert np.isnan(got[0]) and (np.isinf(got[-1]) or shape[1] == 1)


def test_sum_rows_is_bitwise_ones_at_x_and_its_shared_ones_stay_ones():
    """The ones vector is made once per dtype, as long as the longest matrix, and
    shared: every call, longer or shorter, gives exactly ``np.ones(len(x)) @ x``,
    the result is a fresh array, and the shared vector cannot be written to."""
    kernels._ONES.clear()                              # (a cache: start from none)
    rng = np.random.default_rng(5)
    for n, dtype in [(7, np.float32), (32, np.float32), (7, np.float64), (32, np.float64),
                     (5, np.float32), (32, np.float32)]:
        x = rng.standard_normal((n, 5)).astype(dtype)
        got = kernels.sum_rows(x)
        np.testing.assert_array_equal(got, np.ones(n, dtype=dtype) @ x)
        assert got.dtype == dtype and got.flags.writeable
        got[...] = 0                                   # the caller owns the result
    ones = kernels._ONES[np.dtype(np.float32)]
    assert len(ones) == 32 and not ones.flags.writeable and (ones == 1).all()
    with pytest.raises(ValueError):
        ones[0] = 2


def test_sum_over_rows_keeps_the_general_path_elsewhere():
    """Integers, float16, keepdims and other axes take np.add.reduce, exactly."""
    ints = np.arange(12, dtype=np.int8).reshape(4, 3)
    assert ops.Sum().forward(ints, axis=0).dtype == ints.sum(axis=0).dtype
    for x, kw in ((np.ones((4, 3), np.float16), {"axis": 0}),
                  (np.ones((4, 3), np.float32), {"axis": 0, "keepdims": True}),
                  (np.ones((4, 3), np.float32), {"axis": 1})):
        got = ops.Sum().forward(x, **kw)
        want = x.sum(**kw)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    b = Tensor(np.zeros(3, np.float32), requires_grad=True)
    (Tensor(np.ones((1000, 3), np.float32)) * b + b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [2000.0] * 3)   # 1000 rows of x, 1000 uses of b


@pytest.mark.parametrize("shape", [(), (5,), (32, 1), (64, 64), (65, 64), (2, 3, 4)])
def test_expand_helper_on_arrays_matches_broadcast_to(shape):
    """ops.expand fills small results from a 0-d array and views everything else."""
    for x in (np.asarray(np.float32(-0.0)), np.asarray(np.nan), np.ones((1,) * len(shape))):
        got, want = ops.expand(x, shape), np.broadcast_to(x, shape)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(_bits(np.ascontiguousarray(got)),
                                      _bits(np.ascontiguousarray(want)))
        if x.ndim or int(np.prod(shape)) > 4096 or len(shape) > 2:
            assert not got.flags.writeable                  # a view, as np.broadcast_to gives
    t = ops.expand(Tensor(np.float32(2.0), requires_grad=True), (3, 2))
    assert t.grad_fn is not None and t.shape == (3, 2)       # on a Tensor: a recorded Expand


def test_unshared_is_true_only_for_an_array_that_one_name_holds():
    """``kernels.unshared(a)`` (may backward() keep ``a`` instead of copying it?)
    against every other holder: a second name, a container, a view's base."""
    a = np.zeros(3, np.float32)
    assert kernels.unshared(a)
    b = a
    assert not kernels.unshared(a)
    del b
    held = [a]
    assert not kernels.unshared(a)
    del held
    assert kernels.unshared(a)
    assert not kernels.unshared(a[:2]) and not kernels.unshared(a.reshape(3, 1))  # views
    a.flags.writeable = False
    assert not kernels.unshared(a)
    assert not kernels.unshared(np.float32(1.0)) and not kernels.unshared(Tensor([1.0]))


def test_movable_is_true_only_for_arrays_that_nothing_but_their_tensors_hold():
    """``kernels.movable(tensors)`` (may an optimizer swap their arrays for views of one
    flat array?) against every other holder: a name, a view, a list, another optimizer's
    flat array, and views of a base that some other array still views."""
    w = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    assert kernels.movable([w]) and kernels.movable([])
    seen = w.numpy()
    assert not kernels.movable([w])
    del seen
    part = w.numpy()[:, 0]                        # a view of it: its base is w's array
    assert not kernels.movable([w])
    del part
    held = [w.data]
    assert not kernels.movable([w])
    del held
    assert kernels.movable([w])
    buf = np.zeros(5, np.float32)
    a, b = Tensor(np.zeros(2, np.float32)), Tensor(np.zeros(3, np.float32))
    a._data, b._data = buf[:2], buf[2:]
    assert not kernels.movable([a, b])            # the flat array is still held (buf)
    del buf
    assert kernels.movable([a, b]) and kernels.movable([b, a])   # the views alone hold it
    assert not kernels.movable([a])               # b's view would go on seeing the old one
    inner = b.numpy()[1:]
    assert not kernels.movable([a, b])
    del inner
    assert kernels.movable([a, Tensor([1.0]), b])
    b.data.flags.writeable = False
    assert not kernels.movable([a, b])
    t = Tensor(np.zeros((3, 4), np.float32))
    t._data = np.ascontiguousarray(t._data).T     # not C-contiguous: refused
    assert not kernels.movable([t])


def test_without_reference_counts_nothing_is_movable(monkeypatch):
    """An interpreter with no ``sys.getrefcount`` (PyPy) keeps every array where it is."""
    import runpy
    import sys
    monkeypatch.delattr(sys, "getrefcount")
    fresh = runpy.run_path(kernels.__file__)
    assert fresh["_ARRAY_ALONE"] == 0 and not fresh["movable"]([Tensor([1.0])])


def _copies(monkeypatch):
    """Count the copies backward() makes into .grad (engine._array calls)."""
    from tinygrad_edu import engine
    count = [0]

    def counting(*args, **kwargs):
        count[0] += 1
        return np.array(*args, **kwargs)
    monkeypatch.setattr(engine, "_array", counting)
    return count


def test_backward_keeps_a_gradient_nobody_else_holds_and_copies_shared_ones(monkeypatch):
    """A gradient array that only the engine holds becomes ``.grad`` itself; one that
    two leaves, the caller's ``gradient=`` or a watcher also hold is copied, so no two
    ``.grad`` arrays (nor a ``.grad`` and the caller's array) share memory.  (That no
    ``.grad`` shares memory, graph kind by graph kind, is
    tests/test_engine.py::test_every_grad_owns_its_memory; this counts the copies.)"""
    copies = _copies(monkeypatch)
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a * 2 + b * 3).sum().backward()
    assert copies[0] == 0 and a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [3.0, 3.0]
    a.grad = b.grad = None
    (a + b).sum().backward()              # Add hands the same array to both leaves
    assert copies[0] == 1 and not np.shares_memory(a.grad.data, b.grad.data)
    b.grad.data[0] = 7.0
    assert a.grad.tolist() == [1.0, 1.0]
    a.grad, seed = None, Tensor([5.0, 6.0])
    a.backward(seed)                      # the root is the leaf: its gradient is the seed
    assert not np.shares_memory(a.grad.data, seed.data)
    a.grad = None
    (a.reshape(2, 1) * 1.0).backward(Tensor([[1.0], [1.0]]))   # the gradient is a view
    assert not np.shares_memory(a.grad.data, seed.data) and a.grad.data.base is None

    class Keep(tg.recording.Watcher):
        grads = []

        def gradient(self, tensor, grad):
            self.grads.append(grad)
    a.grad = None
    with tg.recording.watch(Keep()) as keep:
        (a * 2).sum().backward()
    assert not np.shares_memory(a.grad.data, keep.grads[0])


def test_kept_gradients_are_bitwise_the_copied_ones(monkeypatch):
    """The B1 network's gradients, kept or copied, are the same bits and dtypes
    (a float64 gradient of a float32 leaf is still cast)."""
    def grads():
        rng = np.random.default_rng(3)
        w = Tensor(rng.standard_normal((2, 4)).astype(np.float32), requires_grad=True)
        c = Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
        x = Tensor(rng.standard_normal((8, 2)).astype(np.float32))
        (((x @ w + c).relu() * Tensor(np.float64(0.5))).sigmoid().sum()).backward()
        return [w.grad.data, c.grad.data]
    kept = grads()
    monkeypatch.setattr(kernels, "unshared", lambda a: False)
    copied = grads()
    for k, c in zip(kept, copied):
        assert k.dtype == c.dtype == np.float32
        np.testing.assert_array_equal(_bits(k), _bits(c))


def test_without_reference_counts_nothing_is_unshared(monkeypatch):
    """An interpreter with no ``sys.getrefcount`` (PyPy) gets copies, never sharing."""
    import runpy
    import sys
    monkeypatch.delattr(sys, "getrefcount")
    fresh = runpy.run_path(kernels.__file__)        # the module as such an interpreter loads it
    a = np.zeros(3)
    assert fresh["_ONE_NAME"] == 0 and not fresh["unshared"](a)
