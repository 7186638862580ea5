"""Graph semantics of the engine: accumulation, freeing, grad mode, grad(), higher order, depth."""
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, recording
from tinygrad_edu.autograd import toposort


def f64(*shape):
    return Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)


# ------------------------------------------------------------------ accumulation
def test_reused_tensor_sums_its_contributions():
    x = Tensor([3.0], requires_grad=True)
    (x * x).sum().backward()                       # d(x^2)/dx = 2x
    np.testing.assert_allclose(x.grad.data, [6.0])


def test_diamond_graph():
    x = Tensor([2.0], requires_grad=True)
    a = x * 3
    b = x.exp()
    y = (a * b).sum()                              # y = 3x e^x, y' = 3e^x (1 + x)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.exp(2.0) * 3, rtol=1e-6)


def test_backward_twice_with_retain_graph_accumulates_into_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])


def test_graph_is_freed_and_second_backward_fails_clearly():
    x = Tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    assert y.grad_fn.freed and y.grad_fn.inputs[0].grad_fn.freed, "backward marks the graph used"
    assert y.grad_fn.inputs is not None, "the graph survives backward, to be drawn"
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_leaf_and_non_leaf_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([5.0, 5.0])                         # leaf without grad
    h = x * 2
    k = (x * 3).retain_grad()
    (h * k * c).sum().backward()
    assert h.grad is None, "non-leaf keeps no grad unless retain_grad()"
    np.testing.assert_allclose(k.grad.data, (2 * x.data) * 5)
    assert c.grad is None
    np.testing.assert_allclose(x.grad.data, 2 * 6 * x.data * 5)


def test_backward_seed_rules():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only for a scalar output.*shape \\(2,\\).*gradient="):
        y.backward()
    y.backward(gradient=np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])
    with pytest.raises(RuntimeError, match="gradient has shape \\(3,\\) but the tensor has shape"):
        (x * 2).backward(gradient=Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_grad_does_not_alias_user_arrays():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, 1.0], dtype=np.float32)
    (x + 0).backward(gradient=seed)
    seed[0] = 99
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0])


def test_shared_gradient_is_not_aliased_between_leaves():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.data[0] = 5
    assert b.grad.data[0] == 1


# --------------------------------------------------------------------- grad mode
def test_no_grad_as_context_and_decorator():
    w = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = w * 2
        with tg.enable_grad():
            z = w * 2
    assert not y.requires_grad and y.is_leaf and z.requires_grad
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def f(t):
        assert not tg.is_grad_enabled()
        return t * 3

    assert not f(w).requires_grad and tg.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Tensor([2.0], requires_grad=True)
    y = x * x.detach()                             # d/dx treats the detached x as constant
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0])


# ------------------------------------------------------------------------- grad()
def test_grad_returns_without_touching_dot_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = tg.grad(y, x)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    assert x.grad is None and not g.requires_grad


def test_grad_of_intermediate_and_several_inputs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    gh, gx = tg.grad(y, [h, x])
    np.testing.assert_allclose(gh.data, 2 * h.data)
    np.testing.assert_allclose(gx.data, 8 * x.data)


def test_grad_allow_unused():
    x = Tensor([1.0], requires_grad=True)
    u = Tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not used.*allow_unused=True"):
        tg.grad(y, [x, u], retain_graph=True)
    gx, gu = tg.grad(y, [x, u], allow_unused=True)
    assert gu is None and gx.item() == 2


def test_grad_with_grad_outputs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.grad(x * x, x, grad_outputs=Tensor([1.0, 0.5]))
    np.testing.assert_allclose(g.data, [2.0, 2.0])


# ------------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_tanh():
    x = Tensor(np.array([-1.0, 0.3, 2.0]), requires_grad=True)
    t = np.tanh(x.data)
    (d1,) = tg.grad(x.tanh().sum(), x, create_graph=True)
    (d2,) = tg.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.grad(d2.sum(), x)
    np.testing.assert_allclose(d1.data, 1 - t ** 2)
    np.testing.assert_allclose(d2.data, -2 * t * (1 - t ** 2))
    np.testing.assert_allclose(d3.data, -2 * (1 - t ** 2) ** 2 + 4 * t ** 2 * (1 - t ** 2))


def test_backward_create_graph_gives_differentiable_grad():
    x = Tensor([3.0], requires_grad=True, dtype="float64")
    (x ** 4).sum().backward(create_graph=True)
    g = x.grad                                     # 4 x^3, with a graph
    assert g.requires_grad
    (g2,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(g2.data, 12 * 9.0)


def test_hessian_vector_product_of_an_mlp():
    rng = np.random.default_rng(1)
    X = Tensor(rng.standard_normal((5, 3)))
    W1 = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    W2 = Tensor(rng.standard_normal((4, 1)), requires_grad=True)
    v = rng.standard_normal((3, 4))

    def loss(w1):
        return ((X @ w1).tanh() @ W2).sigmoid().mean()

    (g,) = tg.grad(loss(W1), W1, create_graph=True)
    (hv,) = tg.grad((g * Tensor(v)).sum(), W1)
    eps = 1e-6                                     # central difference of the gradient along v
    wp = Tensor(W1.data + eps * v, requires_grad=True)
    wm = Tensor(W1.data - eps * v, requires_grad=True)
    (gp,) = tg.grad(loss(wp), wp)
    (gm,) = tg.grad(loss(wm), wm)
    np.testing.assert_allclose(hv.data, (gp.data - gm.data) / (2 * eps), rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------- depth
def test_deep_chain_of_100k_ops_without_recursion():
    limit = sys.getrecursionlimit()
    x = Tensor(np.ones(4), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 0.0                          # 100,000 recorded ops
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.ones(4))
    assert sys.getrecursionlimit() == limit
    del y                                          # freeing a long chain must not recurse either


def test_deep_retained_chain_can_be_deleted():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y                                          # never backpropagated: the whole chain is alive


def test_toposort_visits_shared_subgraph_once():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(30):
        y = y + y                                  # 2^30 paths, 31 nodes
    order = toposort([y])
    assert len(order) == 31
    y.backward(gradient=np.ones(1))
    assert x.grad.item() == 2.0 ** 30


def test_toposort_puts_every_input_before_its_outputs_and_leaves_first():
    """The order comes from the serial numbers of the recorded ops (creation order)."""
    rng = np.random.default_rng(0)
    leaves = [Tensor(rng.standard_normal(3), requires_grad=True) for _ in range(4)]
    pool = list(leaves)
    for i in range(60):                           # a random DAG with shared nodes
        a, b = (pool[j] for j in rng.integers(0, len(pool), 2))
        pool.append(a * b if i % 3 else (a + b).tanh())
    root = pool[-1].sum()
    order = toposort([root])
    position = {id(t): k for k, t in enumerate(order)}
    for t in order:
        if t.grad_fn is not None:
            assert all(position[id(x)] < position[id(t)] for x in t.grad_fn.inputs
                       if x.requires_grad)
    n_leaves = sum(t.grad_fn is None for t in order)
    assert all(t.grad_fn is None for t in order[:n_leaves]) and order[-1] is root
    # and the gradient through that order matches finite differences
    from tinygrad_edu.testing import gradcheck
    small = [Tensor(rng.standard_normal(3), requires_grad=True, dtype="float64") for _ in range(2)]
    assert gradcheck(lambda a, b: ((a * b).tanh() * a + b * b).sum(), small)


def test_backward_rule_with_wrong_shape_is_reported():
    class Bad(tg.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad, out):
            return grad.sum()

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned a gradient of shape \\(\\)"):
        Bad.apply(x).sum().backward()


def test_integer_outputs_carry_no_grad():
    x = Tensor([1.5, 2.5], requires_grad=True)
    assert not x.astype("int64").requires_grad
    assert x.astype("float64").requires_grad


def test_zero_d_gradients_stay_arrays_through_accumulation():
    """A 0-d tensor used twice: the two array gradients sum to a NumPy scalar inside
    the engine; its .grad must still be a Tensor over an ndarray."""
    x = Tensor(2.0, requires_grad=True)
    s = x * 3.0
    (s * s + s).backward()                        # s is used twice (and as both Mul inputs)
    assert type(x.grad.numpy()) is np.ndarray and x.grad.item() == 3.0 * (2 * 6.0 + 1)
    x.grad = None
    (x * x).backward()
    assert type(x.grad.numpy()) is np.ndarray and x.grad.item() == 4.0


def test_a_tensor_only_rule_gets_tensors_even_for_summed_0d_gradients():
    """Your own Function (array_backward False) always receives a Tensor gradient."""
    seen = []

    class Twice(tg.Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad, out):
            seen.append((type(grad).__name__, type(grad.numpy()).__name__))
            return grad * 2

    x = Tensor(1.5, requires_grad=True)
    t = Twice.apply(x)
    (t * t + t).backward()                        # t's two gradients are summed first
    assert seen == [("Tensor", "ndarray")] and x.grad.item() == 2 * (2 * 3.0 + 1)


def test_plain_backward_runs_the_rules_on_arrays_and_records_nothing(monkeypatch):
    """loss.backward() applies no op and makes Tensors only for the seed and the .grads;
    create_graph=True runs the same rules on Tensors (recorded ops)."""
    from tinygrad_edu import ops
    from tinygrad_edu.nn.functional import binary_cross_entropy
    rng = np.random.default_rng(0)
    params = [Tensor(rng.standard_normal(s), requires_grad=True, dtype="float64")
              for s in [(2, 4), (4,), (4, 1), (1,)]]

    x, y = Tensor(rng.standard_normal((8, 2))), (rng.random((8, 1)) > 0.5).astype(float)

    def loss():
        h = (x @ params[0] + params[1]).relu()
        return binary_cross_entropy((h @ params[2] + params[3]).sigmoid(), y)

    counts = {"apply": 0, "make": 0}
    real_make = Tensor._make

    class CountOps(recording.Watcher):             # every Function.apply reports to watchers
        def op(self, cls, inputs, kwargs, out):
            counts["apply"] += 1

    def counting_make(*a):
        counts["make"] += 1
        return real_make(*a)

    out = loss()
    monkeypatch.setattr(Tensor, "_make", staticmethod(counting_make))
    monkeypatch.setattr(recording, "watchers", (CountOps(),))
    out.backward()
    assert counts == {"apply": 0, "make": 1 + len(params)}      # the seed, then one .grad each
    assert all(isinstance(p.grad, Tensor) for p in params)
    grads = [p.grad.numpy().copy() for p in params]

    for p in params:
        p.grad = None
    counts["apply"] = 0
    out = loss()
    first = tg.grad(out, params, create_graph=True)
    assert counts["apply"] > 30 and all(g.grad_fn is not None for g in first)
    for g, want in zip(first, grads):               # the same rules, the same numbers
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-12, atol=1e-15)
    assert issubclass(ops.Mul, ops.Primitive) and ops.Mul.array_backward
