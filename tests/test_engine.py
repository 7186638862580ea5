"""engine.py: the backward loop, its walk, and outside tests written for other engines."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, engine


def scalar(v):
    return Tensor(v, requires_grad=True, dtype="float64")


# ------------------------------------- micrograd's test/test_engine.py, ported ---
# The expressions are micrograd's, with Value -> Tensor; `+=` and all.  micrograd
# checks them against PyTorch; its numbers are recorded here (PyTorch is no
# dependency of ours), next to the closed forms where they are short.
def test_micrograd_sanity_check():
    x = scalar(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # z = 3x + 2 = -10 < 0, so q = z x and h = z^2: y = z^2 + z x + z x^2
    # dy/dx = 2 z * 3 + (3x + z) + (3x^2 + 2 z x) = -60 - 22 + 128 = 46
    assert y.item() == -20.0
    assert x.grad.item() == 46.0


def test_micrograd_more_ops_with_inplace_updates(capsys):
    """micrograd's test_more_ops, which is also its README example: run verbatim, the README's
    f-string prints of .data and .grad included."""
    a = scalar(-4.0)
    b = scalar(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    print(f'{g.data:.4f}')  # prints 24.7041, the outcome of this forward pass
    g.backward()
    print(f'{a.grad:.4f}')  # prints 138.8338, i.e. the numerical value of dg/da
    print(f'{b.grad:.4f}')  # prints 645.5773, i.e. the numerical value of dg/db
    assert capsys.readouterr().out == "24.7041\n138.8338\n645.5773\n"
    tol = 1e-6
    assert abs(g.item() - 24.70408163265306) < tol            # micrograd's and PyTorch's numbers
    assert abs(a.grad.item() - 138.83381924198252) < tol
    assert abs(b.grad.item() - 645.5772594752186) < tol


def test_inplace_update_keeps_the_old_value_for_ops_recorded_before():
    c = scalar(3.0)
    k = c * 1.0                      # c's old value, into a non-leaf
    three_k = 3 * k                  # Mul reads k only for the constant's gradient: not required
    k += 1                           # a recorded in-place op: k is now k + 1
    (three_k + k * k).backward()     # d/dc [3c + (c + 1)^2] = 3 + 2 (c + 1) = 11
    assert c.grad.item() == 11.0


# ------------------------------------------------------------------- the walk ---
def test_toposort_puts_inputs_first_and_keeps_only_what_needs_a_gradient():
    x, w = scalar(1.0), Tensor(2.0)
    y = x * w
    z = y + y * x
    order = [id(t) for t in engine.toposort([z])]          # (== is elementwise on Tensors)
    assert order.index(id(x)) < order.index(id(y)) < order.index(id(z))
    assert id(w) not in order and id(w) in map(id, engine.toposort([z], grad_only=False))


def test_a_chain_of_100_000_ops_needs_no_recursion():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3))


def test_backpropagate_returns_the_wanted_gradients_and_touches_no_grad():
    x = scalar(3.0)
    y = x * x
    z = y * 2.0
    seen = []

    def rule(fn, grad, out):
        seen.append(type(fn).__name__)
        return engine.rule_on_arrays(fn, grad, out)

    got = engine.backpropagate([z], [np.float64(1.0)], rule, wanted={x, y}, retain_graph=True)
    assert got[y] == 2.0 and got[x] == 12.0 and x.grad is None
    assert seen == ["Mul", "Mul"]                 # one rule per op, outputs first


def test_the_graph_survives_backward_and_a_second_backward_is_refused():
    x = scalar(2.0)
    y = (x * x).sum()
    y.backward()
    assert y.grad_fn.inputs[0].grad_fn.inputs == (x, x)
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()
    y2 = (x * x).sum()
    y2.backward(retain_graph=True)
    y2.backward()                                  # retained: fine
    assert x.grad.item() == 4.0 + 4.0 + 4.0


def test_a_users_function_with_a_wrong_gradient_shape_is_named():
    class Bad(tg.Function):
        def forward(self, x):
            return x.sum()

        def backward(self, grad, out):
            return grad                            # should be broadcast to x's shape

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\) "
                                           r"for an input of shape \(3,\)"):
        Bad.apply(x).backward()


def _op(forward, backward):
    return type("Op", (tg.Function,), {"forward": forward, "backward": backward})


@pytest.mark.parametrize("backward, kind, match", [
    (lambda self, g, out: g * self.inputs[1], RuntimeError,       # b's gradient was silently
     r"Op.backward returned 1 gradient\(s\) for 2 input\(s\)"),   # None: PyTorch refuses too
    (lambda self, g, out: (g, g, g), RuntimeError, r"returned 3 gradient\(s\) for 2"),
    (lambda self, g, out: (g.numpy(), None), TypeError,            # was AttributeError: no _data
     r"Op.backward returned a ndarray as the gradient of input 0; return Tensors"),
    (lambda self, g, out: (None, 1.0), TypeError, r"a float as the gradient of input 1"),
])
def test_a_users_backward_must_return_one_tensor_or_none_per_input(backward, kind, match):
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(kind, match=match):
        _op(lambda self, x, y: x * y, backward).apply(a, b).sum().backward()


def test_a_users_backward_may_return_a_list_and_none():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    op = _op(lambda self, x, y: x * y, lambda self, g, out: [g * self.inputs[1], None])
    op.apply(a, b).sum().backward()
    assert a.grad.tolist() == [3.0, 4.0] and b.grad is None


def test_a_users_forward_that_returns_no_array_is_named():
    """forward returning None made a 0-d object tensor; the error came later, about grad."""
    with pytest.raises(TypeError, match=r"Op.forward returned None; forward receives NumPy "
                                        r"arrays and must return one NumPy array"):
        _op(lambda self, x: None, lambda self, g, out: g).apply(Tensor([1.0], requires_grad=True))


# --------------------------------------------- .grad arrays: kept, never shared ---
class _GradIsAnInput(tg.Function):
    """d(a * b)/da = b: a rule of one's own that returns one of its inputs as it is."""

    def forward(self, a, b):
        return a * b

    def backward(self, grad, out):
        a, b = self.inputs
        return b, a


def _graphs():
    """(name, (a, b, the tensors computed from the two leaves a and b)), one per kind of graph."""
    def case(build):
        a = Tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)
        b = Tensor(np.full((2, 2), 3.0), requires_grad=True)
        values = build(a, b)
        return a, b, values
    yield "add (one gradient, two leaves)", case(lambda a, b: [a + b])
    yield "reshape (a view of the gradient)", case(lambda a, b: [(a.reshape(4) * b.reshape(4))])
    yield "two views of one gradient", case(lambda a, b: [a.reshape(4) + b.reshape(4)])
    yield "broadcast (a read-only view)", case(lambda a, b: [a.sum() + b])
    yield "retain_grad on an output passed through", case(lambda a, b: [a + b + 0])
    yield "a rule that returns an input", case(lambda a, b: [_GradIsAnInput.apply(a, b)])
    yield "transpose and matmul", case(lambda a, b: [a.T @ b])


_GRAPHS = list(_graphs())


@pytest.mark.parametrize("name, case", _GRAPHS, ids=[name for name, _ in _GRAPHS])
def test_every_grad_owns_its_memory(name, case):
    a, b, values = case
    out = values[-1]
    out.retain_grad()
    out.sum().backward()
    grads = [a.grad, b.grad, out.grad]
    held = [a, b, *values]
    for i, g in enumerate(grads):
        assert g.data.flags.writeable, name
        for other in grads[i + 1:]:
            assert not np.shares_memory(g.data, other.data), name
        for t in held:
            assert not np.shares_memory(g.data, t.data), name
    before = [t.numpy() for t in held]
    for g in grads:
        g.data[...] = -7.0                        # changing a .grad changes nothing else
    for t, v in zip(held, before):
        np.testing.assert_array_equal(t.numpy(), v)
