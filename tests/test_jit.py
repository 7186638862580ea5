"""jit: a replayed step computes exactly what eager mode computes, or refuses to replay."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn.functional import binary_cross_entropy


def _article_model(seed=0):
    tg.manual_seed(seed)
    model = tg.Sequential([tg.Dense(4, activation="relu", input_shape=(2,)),
                           tg.Dense(6, activation="relu"), tg.Dense(6, activation="relu"),
                           tg.Dense(4, activation="relu"), tg.Dense(1, activation="sigmoid")])
    return model


def _train(jitted, steps=25, batch=32, seed=0):
    """Adam on random minibatches (new masks every step), eager or through jit."""
    model = _article_model(seed)
    params = model.parameters()
    opt = tg.optim.Adam(params, lr=0.01)

    def loss_fn(x, y):
        loss = binary_cross_entropy(model(x), y)
        loss.backward()
        return loss

    step = tg.jit(loss_fn) if jitted else loss_fn
    X, Y = tg.datasets.make_circles(200, noise=0.1, factor=0.3, random_state=1)
    X, Y = X.astype(np.float32), Y.astype(np.float32).reshape(-1, 1)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        idx = rng.permutation(len(X))[:batch]
        opt.zero_grad()
        losses.append(step(Tensor(X[idx]), Tensor(Y[idx])).item())
        opt.step()
    return losses, [p.numpy().copy() for p in params], step


def test_replay_is_bit_for_bit_eager_on_the_article_network():
    eager_losses, eager_params, _ = _train(jitted=False)
    jit_losses, jit_params, step = _train(jitted=True)
    assert step.replays == 23                      # two traced calls, then replays
    assert jit_losses == eager_losses
    for a, b in zip(jit_params, eager_params):
        np.testing.assert_array_equal(a, b)
    assert len(set(jit_losses)) > 20               # the data and the masks really changed


def test_replay_accumulates_gradients_like_backward():
    w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    step = tg.jit(lambda x: (x * w).relu().sum().backward())
    x = Tensor([1.0, 1.0, -1.0])
    for _ in range(4):
        step(x)
    assert step.replays == 2
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 0.0, 0.0])  # relu'(-2), relu'(-3) = 0


def test_a_new_shape_gets_its_own_traces():
    w = Tensor([[0.5], [-1.0]], requires_grad=True)

    @tg.jit
    def f(x):
        return (x @ w).sigmoid()

    for n in (3, 3, 3, 5, 5, 5, 3):
        out = f(Tensor(np.ones((n, 2), dtype=np.float32)))
        assert out.shape == (n, 1)
        np.testing.assert_allclose(out.numpy(), 1 / (1 + np.exp(0.5)), rtol=1e-6)
    assert f.replays == 3


def test_parameters_are_read_when_the_replay_runs():
    w = Tensor([2.0], requires_grad=True)
    f = tg.jit(lambda x: x * w)
    x = Tensor([3.0])
    for _ in range(3):
        f(x)
    with tg.no_grad():
        w.data = np.array([5.0], dtype=np.float32)  # replaced outside: the replay sees it
    assert f(x).item() == 15.0 and f.replays == 2
    w.data = np.array([1.0, 1.0], dtype=np.float32)  # another shape: traced anew
    assert f(x).numpy().tolist() == [3.0, 3.0]


def test_freezing_a_parameter_retraces():
    w, b = Tensor([2.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    f = tg.jit(lambda x: (x * w + b).sum().backward())
    for _ in range(3):
        f(Tensor([3.0]))
    b.requires_grad_(False)
    b.grad = None
    f(Tensor([3.0]))
    assert b.grad is None and w.grad.item() == 12.0


def test_gradients_reach_the_arguments_of_every_call():
    w = Tensor([0.5, -1.0, 2.0], requires_grad=True)

    def f(x):
        loss = (x * w).tanh().sum()
        loss.backward()
        return loss

    step, xs = tg.jit(f), np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0], [2.0, 2.0, -2.0],
                                    [0.1, -0.3, 0.7]], dtype=np.float32)
    for row in xs:                                   # two traced calls, then replays
        x, x_eager = Tensor(row, requires_grad=True), Tensor(row, requires_grad=True)
        step(x)
        f(x_eager)                                   # eager, on a twin: w.grad gets both
        np.testing.assert_array_equal(x.grad.numpy(), x_eager.grad.numpy())
        np.testing.assert_allclose(x.grad.numpy(), w.numpy() / np.cosh(row * w.numpy()) ** 2,
                                   rtol=1e-5, atol=1e-6)   # (1 - tanh^2 rounds in float32)
    assert step.replays == 2


def test_an_argument_gets_its_gradients_in_eager_order_on_traced_calls_too():
    """Two backward() calls add into x.grad one after the other, as eager mode does."""
    def f(x):
        (x * 3.1).sum().backward()
        (x * 0.7).tanh().sum().backward()

    step = tg.jit(f)
    x_jit, x_eager = (Tensor([0.82177013, -1.3812797, -2.754159], requires_grad=True)
                      for _ in range(2))      # (values where a + (g1 + g2) != (a + g1) + g2)
    for _ in range(4):
        step(x_jit)
        f(x_eager)
        np.testing.assert_array_equal(x_jit.grad.numpy(), x_eager.grad.numpy())
    assert step.replays == 2


def test_whether_an_argument_requires_grad_is_part_of_the_trace():
    w = Tensor([2.0], requires_grad=True)
    step = tg.jit(lambda x: (x * w).sum().backward())
    for _ in range(3):
        step(Tensor([3.0], requires_grad=True))
    frozen = Tensor([3.0])                           # no gradient wanted: traced anew
    step(frozen)
    assert frozen.grad is None and w.grad.item() == 12.0
    for _ in range(3):                               # and back: the first program replays
        x = Tensor([3.0], requires_grad=True)
        step(x)
        assert x.grad.item() == 2.0
    assert step.replays == 4 and w.grad.item() == 21.0


def test_one_tensor_passed_twice_is_traced_apart_from_two_tensors():
    f = tg.jit(lambda p, q: p * 2 + q)
    x = Tensor([1.0])
    for _ in range(3):
        assert f(x, x).item() == 3.0
    for _ in range(3):                  # two tensors: not the f(x, x) program
        assert f(Tensor([1.0]), Tensor([10.0])).item() == 12.0
    assert f(x.detach(), x).item() == 3.0   # one array behind two tensors is one too
    assert f.replays == 3


def test_a_tensor_used_inside_and_passed_as_the_argument_stays_two_inputs():
    w = Tensor([2.0], requires_grad=True)
    f = tg.jit(lambda x: x * w)
    for _ in range(3):
        assert f(w).item() == 4.0
    assert f(Tensor([3.0], requires_grad=True)).item() == 6.0 and f.replays == 2   # not 3 * 3

    step = tg.jit(lambda x: (x * w).sum().backward())
    for _ in range(3):
        step(w)               # d(w * w)/dw = 2w = 4: traced, traced, replayed
    assert w.grad.item() == 12.0
    x = Tensor([3.0], requires_grad=True)
    step(x)                                             # a replay: w gets 3, x gets 2
    assert step.replays == 2 and w.grad.item() == 15.0 and x.grad.item() == 2.0


def test_an_argument_with_a_graph_outside_is_refused_when_backward_runs_inside():
    """Replaying would run the outside ops' backward on the traced call's values."""
    w, v = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), Tensor([0.5, -1.0],
                                                                          requires_grad=True)
    head = tg.jit(lambda h: (h @ v).tanh().sum().backward())
    with pytest.raises(tg.JitError, match=r"argument 0 \(shape \(1, 2\)\) was computed outside"):
        head(Tensor([[1.0, 0.5]]) @ w)
    forward_only = tg.jit(lambda h: (h @ v).tanh())   # no backward inside: replays
    for _ in range(3):
        forward_only(Tensor([[1.0, 0.5]]) @ w)
    assert forward_only.replays == 1
    fallback = tg.jit(lambda h: (h @ v).tanh().sum().backward(), fallback=True)
    for k in range(4):                                 # eager from the first call on, and right
        x = Tensor([[1.0 + k, 0.5]])
        w.grad = None
        fallback(x @ w)
        np.testing.assert_allclose(w.grad.numpy(), x.numpy().T @ (
            (1 - np.tanh(x.numpy() @ w.numpy() @ v.numpy()) ** 2)[:, None] * v.numpy()[None]),
            rtol=1e-5)
    assert "computed outside the function" in fallback.refused


def test_outputs_are_detached_tensors_and_tuples_work():
    w = Tensor([1.0, 2.0], requires_grad=True)
    f = tg.jit(lambda x: (x * w, (x + w).sum()))
    for _ in range(3):
        a, b = f(Tensor([1.0, 1.0]))
    assert a.numpy().tolist() == [1.0, 2.0] and b.item() == 5.0
    assert not a.requires_grad and a.grad_fn is None


@pytest.mark.parametrize("body, why", [
    (lambda x, w: (x * w).sum() if (x * w).sum().item() > 0 else x.sum(), "item()"),
    (lambda x, w: x * Tensor(x.numpy() > 0), "numpy()"),
    (lambda x, w: x * w.data, ".data"),
    (lambda x, w: tg.grad((x * w).sum(), w)[0], "grad()"),
])
def test_python_reading_values_is_refused(body, why):
    w = Tensor([1.0, 2.0], requires_grad=True)
    f = tg.jit(lambda x: body(x, w))
    with pytest.raises(tg.JitError, match="cannot be replayed") as err:
        f(Tensor([1.0, -1.0]))
    assert why in str(err.value) or "grad()" in str(err.value)


def test_constants_made_from_data_inside_are_refused():
    mask = np.array([1.0, 0.0], dtype=np.float32)
    f = tg.jit(lambda x: x * Tensor(mask))          # a new tensor on every call
    f(Tensor([1.0, 2.0]))
    with pytest.raises(tg.JitError, match="makes a tensor from array data inside"):
        f(Tensor([1.0, 2.0]))
    const = Tensor(mask)                              # made once, outside: fine
    g = tg.jit(lambda x: x * const)
    for _ in range(3):
        assert g(Tensor([1.0, 2.0])).numpy().tolist() == [1.0, 0.0]


def test_data_dependent_control_flow_is_refused():
    def f(x):
        return x.exp() if x._data[0] > 0 else x.tanh()  # reads data behind jit's back
    step = tg.jit(f)
    step(Tensor([1.0]))
    with pytest.raises(tg.JitError, match="different operations"):
        step(Tensor([-1.0]))


def test_a_python_number_that_changes_between_the_traces_is_refused():
    scale = [2.0]
    f = tg.jit(lambda x: x * scale[0])
    f(Tensor([1.0]))
    scale[0] = 3.0
    with pytest.raises(tg.JitError, match="different operations"):
        f(Tensor([1.0]))


def test_in_place_changes_and_optimizer_steps_inside_are_refused():
    w = Tensor([1.0], requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.1)

    def step(x):
        (x * w).sum().backward()
        opt.step()
    with pytest.raises(tg.JitError, match="changed in place"):
        tg.jit(step)(Tensor([1.0]))


def test_a_recorded_setitem_inside_is_refused_as_an_in_place_change():
    """(It was refused for the mask array the assignment makes, which the user never wrote.)"""
    def f(x):
        y = x * 1
        y[0] = x[1] * 2
        return y
    with pytest.raises(tg.JitError, match="changed in place"):
        tg.jit(f)(Tensor(np.ones((2, 2)), requires_grad=True))


def test_arguments_must_be_tensors():
    with pytest.raises(TypeError, match="argument 0 is a ndarray"):
        tg.jit(lambda x: x)(np.ones(2))


def test_softmax_cross_entropy_and_max_replay_like_eager():
    """Their shifts and max masks are computed through kernels, so a replay recomputes them."""
    w = Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)

    def f(x, y):
        logits = x @ w
        loss = nn.functional.cross_entropy(logits, y) + logits.max(axis=-1).sum() * 0.1
        loss.backward()
        return loss, logits.softmax(axis=-1), logits.logsumexp(axis=0)

    step = tg.jit(f)
    rng = np.random.default_rng(4)
    for _ in range(5):
        x = Tensor(rng.normal(0, 3, (5, 3)).astype(np.float32))
        y = Tensor(np.eye(4, dtype=np.float32)[rng.integers(0, 4, 5)])   # one-hot
        w.grad = None
        got = [t.numpy().copy() for t in step(x, y)]
        got_grad = w.grad.numpy().copy()
        w.grad = None
        want = [t.numpy() for t in f(x, y)]
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(got_grad, w.grad.numpy())
    assert step.replays == 3


@pytest.mark.parametrize("name, f", [
    ("cumsum", lambda x: tg.cumsum(x, axis=1)),                 # a scan's padding
    ("cumprod", lambda x: tg.cumprod(x)),
    ("prod", lambda x: tg.prod(x[:, :3], axis=1)),              # an odd axis: a 1 is appended
    ("diagonal", lambda x: tg.diagonal(x, 1)),                  # a strided slice, not index arrays
    ("trace", lambda x: tg.trace(x, -1)),
    ("diag", lambda x: tg.diag(x[0], 1)),
    ("einsum", lambda x: tg.einsum("ii->i", x)),                # a repeated letter: a diagonal
    ("repeat", lambda x: tg.repeat(x, [1, 0, 2, 3], axis=1)),   # one count per element
    ("bce_with_logits", lambda x: nn.functional.binary_cross_entropy_with_logits(
        x, (x > 0).astype("float32"))),                         # its sign test is a kernel
])
def test_library_ops_that_build_constants_replay_like_eager(name, f):
    """Each made a constant or an index with NumPy from inside (a pad, a 1, diagonal's index
    arrays, z.data >= 0), so jit refused a user's function that called it."""
    def loss(x):
        out = f(x)
        (out * out).sum().backward()
        return out

    step = tg.jit(loss)
    rng = np.random.default_rng(5)
    for _ in range(4):
        a = rng.standard_normal((4, 4)).astype(np.float32)
        x, xj = Tensor(a, requires_grad=True), Tensor(a, requires_grad=True)
        np.testing.assert_array_equal(step(xj).numpy(), loss(x).numpy())
        np.testing.assert_array_equal(xj.grad.numpy(), x.grad.numpy())
    assert step.replays == 2


def test_integer_labels_replay_and_are_checked_on_every_batch():
    """The picked positions come from a kernel: recomputed (labels checked) on each replay."""
    w = Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)

    def f(x, y):
        logits = x @ w
        loss = (nn.functional.cross_entropy(logits, y)
                + nn.losses.sparse_categorical_crossentropy(logits.softmax(axis=-1), y))
        loss.backward()
        return loss

    step = tg.jit(f)
    rng = np.random.default_rng(5)
    for _ in range(5):
        x = Tensor(rng.normal(0, 2, (6, 3)).astype(np.float32))
        y = Tensor(rng.integers(0, 4, 6))
        w.grad = None
        got = step(x, y).numpy().copy()
        got_grad = w.grad.numpy().copy()
        w.grad = None
        np.testing.assert_array_equal(got, f(x, y).numpy())
        np.testing.assert_array_equal(got_grad, w.grad.numpy())
    assert step.replays == 3
    with pytest.raises(ValueError, match=r"cross_entropy: labels must be in \[0, 3\], got values "
                                         r"from 0 to 4"):
        step(x, Tensor(np.array([0, 1, 2, 3, 4, 0])))     # a replay: same shapes, bad labels
    by_hand = tg.jit(lambda x, y: (x @ w)[np.arange(6), y._data].sum())   # index arrays of its own
    with pytest.raises(tg.JitError, match="GetItem"):
        by_hand(x, y)


def test_clip_sigmoid_and_maximum_masks_are_recomputed():
    w = Tensor([1.0, -1.0, 0.5], requires_grad=True)
    f = tg.jit(lambda x: (tg.maximum((x * w).sigmoid(), 0.4).clip(0.45, 0.7) + (x * w).abs()).sum())
    rng = np.random.default_rng(3)
    for _ in range(6):
        x = Tensor(rng.normal(0, 3, 3).astype(np.float32))
        expected = (tg.maximum((x * w).sigmoid(), 0.4).clip(0.45, 0.7) + (x * w).abs()).sum()
        assert f(x).item() == expected.item()
    assert f.replays == 4


def test_eager_mode_is_untouched_by_kernels():
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = nn.functional.relu(x) + x.sigmoid() + x.clip(0, 1) + (x > 0)
    y.sum().backward()
    s = 1 / (1 + np.exp(-x.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), (x.numpy() > 0) + s * (1 - s)
                               + ((x.numpy() >= 0) & (x.numpy() <= 1)), rtol=1e-6)


def test_kernel_number_is_a_plain_array_unless_someone_watches():
    x = Tensor([1.0], dtype="float64")
    n = tg.autograd.kernel_number(0.5, x)
    assert type(n) is np.ndarray and n.shape == () and n.dtype == np.float64 and n == 0.5

    class Constants(tg.recording.Watcher):
        def __init__(self):
            self.seen = []

        def constant(self, tensor, value):
            self.seen.append((value, tensor.data))

    with tg.recording.watch(Constants()) as w:
        m = tg.autograd.kernel_number(0.5, x)
    assert [(v, a is m) for v, a in w.seen] == [(0.5, True)]   # jit learns where m comes from


def test_fallback_runs_eagerly_with_the_reason_instead_of_raising():
    w = Tensor([1.0, 2.0], requires_grad=True)

    @tg.jit(fallback=True)
    def f(x):
        return x * Tensor(x.numpy() > 0) * w       # reads data: cannot be replayed

    outs = [f(Tensor([1.0, -1.0])).numpy().tolist() for _ in range(3)]
    assert outs == [[1.0, 0.0]] * 3 and f.replays == 0
    assert "numpy()" in f.refused
