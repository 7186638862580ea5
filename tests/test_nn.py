"""Layers, models and initialisers: tinygrad_edu.nn (modules, model, init, losses)."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.autograd import toposort
from tinygrad_edu.nn import Activation, Dense, Module, Sequential, init
from tinygrad_edu.article import build_model
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import losses


def article_model(**kw):
    """The article's 2-4-6-6-4-1 network, not compiled."""
    return build_model(compile=False, **kw)


def graph_functions(root):
    """Every Function recorded in root's graph."""
    return [t.grad_fn for t in toposort([root]) if t.grad_fn is not None]


# ------------------------------------------------------------------- Dense ---
def test_dense_shapes_and_defaults():
    layer = Dense(3, input_dim=5)
    assert layer.kernel.shape == (5, 3) and layer.bias.shape == (3,)
    assert layer.kernel.dtype == np.float32 and layer.bias.dtype == np.float32
    assert np.all(layer.bias.numpy() == 0)                 # Keras: zero biases
    limit = np.sqrt(6 / (5 + 3))                           # Keras: glorot_uniform
    assert np.abs(layer.kernel.numpy()).max() <= limit
    assert layer.kernel.requires_grad and layer.kernel.is_leaf
    out = layer(np.ones((7, 5)))
    assert out.shape == (7, 3) and out.dtype == np.float32  # float64 input -> float32
    assert layer.activation_name == "linear"


def test_dense_forward_is_x_at_w_plus_b():
    layer = Dense(2, input_dim=3, activation="relu")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]], dtype=np.float32)
    expected = np.maximum(x @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)


def test_dense_input_size_inferred_at_first_call():
    layer = Dense(4)
    assert not layer.built and layer.kernel is None and layer.parameters() == []
    layer(tg.Tensor(np.zeros((2, 7), np.float32)))
    assert layer.built and layer.kernel.shape == (7, 4) and len(layer.parameters()) == 2
    with pytest.raises(ValueError, match=r"expected inputs with 7 features.*\(2, 3\)"):
        layer(np.zeros((2, 3)))


def test_dense_input_shape_spelling_and_bad_args():
    assert Dense(2, input_shape=(3,)).kernel.shape == (3, 2)
    for bad in (0, -1, 2.5, "4", True):
        with pytest.raises(ValueError, match="units must be a positive integer"):
            Dense(bad)
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        Dense(2, input_dim=0)
    with pytest.raises(ValueError, match="not both"):
        Dense(2, input_dim=3, input_shape=(3,))


def test_dense_without_bias():
    layer = Dense(2, input_dim=3, use_bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["kernel"]


@pytest.mark.parametrize("name, ref", [
    ("relu", lambda z: np.maximum(z, 0)),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", np.tanh),
    ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)),
    ("linear", lambda z: z),
])
def test_activations_by_name(name, ref):
    layer = Dense(3, input_dim=2, activation=name)
    x = np.array([[0.3, -1.2], [2.0, 0.7]], dtype=np.float32)
    z = x @ layer.kernel.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), ref(z), rtol=1e-5, atol=1e-7)


def test_activation_callable_and_unknown_name():
    layer = Dense(2, input_dim=2, activation=lambda z: z * 2)
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(layer(x).numpy(), 2 * (x @ layer.kernel.numpy()))
    with pytest.raises(ValueError, match=r"unknown activation 'gelus'.*gelu.*relu.*sigmoid.*tanh"):
        Dense(2, activation="gelus")
    with pytest.raises(TypeError, match="activation must be"):
        Dense(2, activation=3)
    assert Activation("tanh")(tg.Tensor([0.5])).item() == pytest.approx(np.tanh(0.5))


def test_dense_has_no_hand_written_backward():
    """Every op recorded by a Dense layer (and the loss) is a primitive of ops.py."""
    model = article_model()
    loss = F.binary_cross_entropy(model(np.random.randn(5, 2)), np.ones((5, 1), np.float32))
    kinds = {type(fn) for fn in graph_functions(loss)}
    assert kinds and kinds <= set(ops.PRIMITIVES)


def test_dense_gradients_are_the_articles_backprop():
    """The derived gradients equal the article's hand-written backprop equations.

    Two layers, samples as rows: dZ2 = (Y_hat - Y) / m, dW2 = A1^T dZ2, db2 = sum dZ2,
    dA1 = dZ2 W2^T, dZ1 = dA1 * relu'(Z1), dW1 = X^T dZ1, db1 = sum dZ1.
    """
    tg.manual_seed(3)
    l1, l2 = Dense(5, input_dim=3, activation="relu"), Dense(1, input_dim=5, activation="sigmoid")
    X = np.random.randn(8, 3).astype(np.float32)
    Y = (np.random.rand(8, 1) > 0.5).astype(np.float32)
    loss = F.binary_cross_entropy(l2(l1(X)), Y)
    loss.backward()
    W1, b1, W2, b2 = (p.numpy().astype(np.float64) for p in (l1.kernel, l1.bias, l2.kernel, l2.bias))
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Yhat = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
    dZ2 = (Yhat - Y) / len(X)
    dW2, db2 = A1.T @ dZ2, dZ2.sum(0)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1, db1 = X.T @ dZ1, dZ1.sum(0)
    for p, ref in ((l2.kernel, dW2), (l2.bias, db2), (l1.kernel, dW1), (l1.bias, db1)):
        np.testing.assert_allclose(p.grad.numpy(), ref, rtol=1e-4, atol=1e-7)


# ------------------------------------------------------------- initialisers ---
@pytest.mark.parametrize("name, std", [
    ("glorot_uniform", np.sqrt(2 / (300 + 200))), ("glorot_normal", np.sqrt(2 / (300 + 200))),
    ("he_uniform", np.sqrt(2 / 300)), ("he_normal", np.sqrt(2 / 300)),
    ("small_normal", 0.1), ("random_normal", 0.05)])
def test_initialiser_statistics(name, std):
    w = init.get(name)((300, 200), rng=np.random.default_rng(0))
    assert w.shape == (300, 200) and w.dtype == np.float32
    assert abs(w.mean()) < 0.05 * std * 10
    assert w.std() == pytest.approx(std, rel=0.03)
    if name.endswith("uniform"):
        assert np.abs(w).max() <= np.sqrt(3) * std + 1e-6
    if name in ("glorot_normal", "he_normal"):               # truncated at 2 stddev (Keras)
        assert np.abs(w).max() <= 2 * std / init._TRUNC_STD + 1e-6


def test_initialisers_constant_zeros_ones_and_errors():
    assert np.all(init.zeros((2, 3)) == 0) and np.all(init.ones((2,)) == 1)
    assert np.all(init.constant(0.01)((4,)) == np.float32(0.01))
    layer = Dense(3, input_dim=2, kernel_initializer="he_normal", bias_initializer=init.constant(0.1))
    assert np.all(layer.bias.numpy() == np.float32(0.1))
    with pytest.raises(ValueError, match=r"unknown initializer 'foo'.*glorot_uniform.*he_normal"):
        Dense(2, kernel_initializer="foo")


def test_initialisers_follow_the_global_seed():
    tg.manual_seed(7)
    a = article_model().state_dict()
    tg.manual_seed(7)
    b = article_model().state_dict()
    tg.manual_seed(8)
    c = article_model().state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["dense_1.kernel"], c["dense_1.kernel"])


# -------------------------------------------------------------- Sequential ---
def test_article_model_names_and_count():
    model = article_model()
    assert [layer.name for layer in model] == [f"dense_{i}" for i in range(1, 6)]
    names = [n for n, _ in model.named_parameters()]
    assert names[:2] == ["dense_1.kernel", "dense_1.bias"] and len(names) == 10
    assert all(p.name == n for n, p in model.named_parameters())   # labels for graph drawings
    assert model.count_params() == 117
    assert [p.shape for p in model.parameters()][::2] == [(2, 4), (4, 6), (6, 6), (6, 4), (4, 1)]
    assert len(model) == 5 and model[-1].units == 1 and model[0].name == "dense_1"


def test_layer_names_are_per_model_and_explicit_names_are_kept():
    a, b = article_model(), Sequential([Dense(2, input_dim=2), Dense(1, name="head"), Dense(1)])
    assert [layer.name for layer in a][0] == "dense_1"
    assert [layer.name for layer in b] == ["dense_1", "head", "dense_3"]
    assert b[1].kernel.name == "head.kernel"
    with pytest.raises(ValueError, match="already in the model"):
        b.add(Dense(1, name="head"))
    with pytest.raises(ValueError, match="already in this model"):
        b.add(b[0])
    with pytest.raises(TypeError, match="expected a layer"):
        b.add("relu")


def test_sequential_builds_lazily_and_labels_parameters():
    model = Sequential([Dense(3, activation="relu"), Dense(1)])
    assert not model.built and model.parameters() == []
    out = model(np.zeros((4, 5), np.float32))
    assert out.shape == (4, 1) and model.built
    assert [p.name for p in model.parameters()] == ["dense_1.kernel", "dense_1.bias",
                                                    "dense_2.kernel", "dense_2.bias"]
    with pytest.raises(ValueError, match="no layers"):
        Sequential()(np.zeros((1, 2)))


def test_mismatched_input_dim_on_add():
    model = Sequential([Dense(3, input_dim=2)])
    with pytest.raises(ValueError, match="expects 5 input features but the previous layer gives 3"):
        model.add(Dense(1, input_dim=5))
    assert len(model) == 1


def test_forward_records_layer_scopes():
    model = article_model()
    out = model(np.zeros((2, 2), np.float32))
    assert out.grad_fn.scope[0] == "dense_5"
    scopes = {fn.scope[0] for fn in graph_functions(out) if fn.scope}
    assert scopes == {f"dense_{i}" for i in range(1, 6)}
    assert any(fn.scope[:2] == ("dense_2", "relu") for fn in graph_functions(out))


def test_summary_table():
    lines = []
    article_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text
    for name, shape, count in [("dense_1", "(None, 4)", 12), ("dense_2", "(None, 6)", 30),
                               ("dense_3", "(None, 6)", 42), ("dense_4", "(None, 4)", 28),
                               ("dense_5", "(None, 1)", 5)]:
        row = next(line for line in text.splitlines() if line.startswith(name))
        assert "(Dense)" in row and shape in row and row.split()[-1] == str(count)
    assert "Total params: 117" in text
    lines.clear()
    Sequential([Dense(3)]).summary(print_fn=lines.append)
    assert "unbuilt" in lines[0]


# ------------------------------------------------------------------ Module ---
class TwoLayer(Module):
    def __init__(self):
        super().__init__()
        self.hidden = Dense(3, activation="tanh", input_dim=2)
        self.out = Dense(1, input_dim=3)
        self.scale = tg.Tensor([2.0], requires_grad=True)
        self.buffer = tg.Tensor([1.0])                     # no grad: not a parameter

    def forward(self, x):
        return self.out(self.hidden(x)) * self.scale


def test_custom_module_registration():
    net = TwoLayer()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    assert net.hidden.name == "hidden" and net.hidden.kernel.name == "hidden.kernel"
    assert [n for n, _ in net.named_modules()] == ["", "hidden", "out"]
    assert net.count_params() == 1 + 9 + 4
    out = net(np.ones((2, 2), np.float32))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.eval().training is False and net.hidden.training is False
    assert net.train().hidden.training is True
    del net.scale
    assert "scale" not in dict(net.named_parameters())


def test_shared_parameter_listed_once():
    net = TwoLayer()
    net.alias = net.hidden
    assert len(net.parameters()) == 5


def test_module_needs_super_init():
    class Bad(Module):
        def __init__(self):
            self.w = 1

    with pytest.raises(RuntimeError, match="super"):
        Bad()


def test_state_dict_round_trip_and_errors_leave_model_unchanged():
    a, b = article_model(), article_model()
    b.load_state_dict(a.state_dict())
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a.parameters(), b.parameters()))
    v = b[0].kernel._version
    before = b.state_dict()
    sd = a.state_dict()
    sd.pop("dense_5.bias")
    with pytest.raises(KeyError, match="missing: dense_5.bias"):
        b.load_state_dict(sd)
    sd = dict(a.state_dict(), extra=np.zeros(3))
    with pytest.raises(KeyError, match="unexpected: extra"):
        b.load_state_dict(sd)
    sd = a.state_dict()
    sd["dense_1.kernel"] = sd["dense_1.kernel"] + 1
    sd["dense_3.kernel"] = np.zeros((6, 7))
    with pytest.raises(ValueError, match=r"'dense_3.kernel' has shape \(6, 6\).*\(6, 7\)"):
        b.load_state_dict(sd)
    after = b.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)   # nothing changed
    assert b[0].kernel._version == v
    partial = {"dense_1.bias": np.ones(4)}
    b.load_state_dict(partial, strict=False)
    assert np.all(b[0].bias.numpy() == 1) and b[0].bias._version == v + 1
    assert np.array_equal(b[0].kernel.numpy(), before["dense_1.kernel"])
    with pytest.raises(ValueError, match="not built"):
        Sequential([Dense(2)]).load_state_dict({})


# ------------------------------------------------------------------ losses ---
def test_loss_registry():
    assert losses.get("binary_crossentropy")[1] is F.binary_cross_entropy
    assert losses.get("mse")[0] == "mean_squared_error"
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*binary_crossentropy.*mse"):
        losses.get("hinge")
    p = tg.Tensor([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], requires_grad=True)
    loss = losses.sparse_categorical_crossentropy(p, np.array([1, 0]))
    assert loss.item() == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2, rel=1e-6)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\]"):
        losses.sparse_categorical_crossentropy(p, np.array([1, 3]))
    mae = losses.mean_absolute_error(tg.Tensor([[1.0], [3.0]]), np.array([2.0, 2.0]))
    assert mae.item() == pytest.approx(1.0)


def test_set_weights_after_the_forward_makes_that_backward_refuse():
    """Loading weights is an in-place change: a graph recorded before it is stale."""
    model = article_model()
    loss = model(np.ones((3, 2), np.float32)).sum()
    model.set_weights([w + 1 for w in model.get_weights()])
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_get_and_set_weights():
    a, b = article_model(), article_model()
    w = a.get_weights()
    assert [x.shape for x in w][:2] == [(2, 4), (4,)] and len(w) == 10
    b.set_weights(w)
    assert all(np.array_equal(x, y) for x, y in zip(b.get_weights(), w))
    with pytest.raises(ValueError, match="has 10 parameters"):
        b.set_weights(w[:-1])
    model = Sequential([Dense(3), Dense(1)])
    model.build((None, 5))
    assert model[0].kernel.shape == (5, 3) and model[1].kernel.shape == (3, 1)


def test_running_means_measure_sample_means_once_for_many_batches_and_others_per_batch():
    """The built-in metrics (means over samples) are measured on the gathered batches at
    once, which gives the batch-size-weighted mean of their per-batch values; any other
    metric (here a maximum, which is not a mean) is still measured batch by batch."""
    from tinygrad_edu.nn.fit import RunningMeans
    from tinygrad_edu.training.metrics import binary_accuracy, mean_squared_error
    rng = np.random.default_rng(0)
    batches = [(rng.uniform(size=(n, 1)).astype(np.float32),
                (rng.uniform(size=(n, 1)) > 0.5).astype(np.float32)) for n in (32, 32, 7, 32)]
    calls = []

    def counted(p, y):
        calls.append(len(y))
        return binary_accuracy(p, y)

    metrics = [("acc", binary_accuracy), ("mse", mean_squared_error),
               ("max", lambda p, y: float(p.max())), ("acc_by_batch", counted)]
    means = RunningMeans(metrics)
    means.GATHER_ROWS = 70                    # gathered rows are measured at 71, then at logs()
    for p, y in batches[:3]:
        means.add(0.0, p, y)
    assert means.rows == 0 and means.batches == []     # 71 rows gathered: measured
    means.add(0.0, *batches[3])
    assert means.rows == 32
    logs = means.logs()
    n = sum(len(y) for _, y in batches)
    weighted = {key: sum(fn(p, y) * len(y) for p, y in batches) / n for key, fn in metrics[:3]}
    assert logs["acc"] == pytest.approx(weighted["acc"], rel=1e-12)
    assert logs["mse"] == pytest.approx(weighted["mse"], rel=1e-6)
    assert logs["max"] == pytest.approx(weighted["max"], rel=1e-12)       # per batch, weighted
    assert logs["acc_by_batch"] == pytest.approx(weighted["acc"], rel=1e-12)
    assert calls == [32, 32, 7, 32] and means.batches == [] and means.rows == 0


def test_sequential_indexing_by_position_and_name():
    """model[10] was a bare 'list index out of range'; model['dense_1'] finds a layer by name."""
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    assert model["dense_2"] is model[-1] and model[0:1] == [model[0]]
    with pytest.raises(IndexError, match=r"Sequential: layer index 10 is out of range for a model "
                                         r"of 2 layers \(valid: -2 to 1\)"):
        model[10]
    with pytest.raises(KeyError, match=r"Sequential: no layer named 'dense_9'; its layers: "
                                       r"dense_1, dense_2"):
        model["dense_9"]
    with pytest.raises(TypeError, match="Sequential: layers are indexed by position or name, "
                                        "got float"):
        model[1.0]
