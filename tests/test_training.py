"""compile / fit / evaluate / predict, callbacks, History, reproducibility, bad inputs."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import training
from tinygrad_edu.datasets import make_circles, train_test_split
from tinygrad_edu.nn import Dense, Module, Sequential
from tinygrad_edu.article import build_model
from tinygrad_edu.nn import functional as F
from tinygrad_edu.training import Callback, LambdaCallback, TerminateOnNaN


def article_model(**kw):
    """The article's 2-4-6-6-4-1 network, not compiled."""
    return build_model(compile=False, **kw)


@pytest.fixture(scope="module")
def circles():
    X, y = make_circles(400, factor=0.3, noise=0.1, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def small_model(compiled=True, **compile_kw):
    model = Sequential([Dense(8, input_dim=2, activation="relu"), Dense(1, activation="sigmoid")])
    if compiled:
        kw = dict(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        kw.update(compile_kw)
        model.compile(**kw)
    return model


# ---------------------------------------------------------------- learning ---
def test_short_training_reaches_high_accuracy_on_circles(circles):
    X_train, X_test, y_train, y_test = circles
    tg.manual_seed(0)
    model = Sequential([Dense(16, input_dim=2, activation="relu", kernel_initializer="he_uniform"),
                        Dense(16, activation="relu", kernel_initializer="he_uniform"),
                        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=tg.optim.Adam(lr=0.01),
                  metrics=["accuracy"])
    hist = model.fit(X_train, y_train, epochs=30, verbose=0)
    loss, acc = model.evaluate(X_test, y_test)
    assert acc >= 0.97 and loss < 0.15
    assert hist.history["loss"][-1] < hist.history["loss"][0] / 3
    assert hist.history["accuracy"][-1] >= 0.97


def test_article_snippet_runs_line_for_line(circles):
    X_train, X_test, y_train, y_test = circles
    tg.manual_seed(3)
    model = Sequential()
    model.add(Dense(4, input_dim=2, activation='relu'))
    model.add(Dense(6, activation='relu'))
    model.add(Dense(6, activation='relu'))
    model.add(Dense(4, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    history = model.fit(X_train, y_train, epochs=3, verbose=0)
    assert list(history.history) == ["loss", "accuracy"] and len(history.history["loss"]) == 3
    assert all(type(v) is float for vs in history.history.values() for v in vs)  # as Keras'
    assert all(type(v) is float for v in model.evaluate(X_train, y_train))
    assert history.epoch == [0, 1, 2] and model.history is history
    assert isinstance(model.optimizer, tg.optim.Adam) and model.optimizer.iterations == 3 * 10
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_raw_tensor_model_gives_the_same_loss_curve_as_fit(circles):
    """The same network written with raw Tensors and a hand-written Adam loop."""
    X, _, y, _ = circles
    X = X.astype(np.float32)
    tg.manual_seed(11)
    model = article_model()
    init = [p.numpy().copy() for p in model.parameters()]
    model.compile(loss="binary_crossentropy", optimizer="adam")
    hist = model.fit(X, y, epochs=4, batch_size=32, verbose=0, seed=5)

    # --- the same thing by hand
    params = [tg.Tensor(w, requires_grad=True) for w in init]
    m = [np.zeros_like(w) for w in init]
    v = [np.zeros_like(w) for w in init]
    lr, b1, b2, eps, t = 1e-3, 0.9, 0.999, 1e-7, 0
    rng = np.random.default_rng(5)                    # fit(seed=5) shuffles with this
    curve = []
    for epoch in range(4):
        perm = rng.permutation(len(X))
        xs, ys = X[perm], y[perm].astype(np.float32).reshape(-1, 1)
        total = 0.0
        for s in range(0, len(X), 32):
            a = tg.Tensor(xs[s:s + 32])
            for i in range(4):
                a = (a @ params[2 * i] + params[2 * i + 1]).relu()
            y_hat = (a @ params[8] + params[9]).sigmoid()
            yb = tg.Tensor(ys[s:s + 32])
            p = y_hat.clip(1e-7, 1 - 1e-7)
            loss = -(yb * p.log() + (1 - yb) * (1 - p).log()).mean()
            for w in params:
                w.grad = None
            loss.backward()
            t += 1
            alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            for w, mi, vi in zip(params, m, v):
                g = w.grad.numpy()
                mi += (g - mi) * (1 - b1)
                vi += (g * g - vi) * (1 - b2)
                w.data -= (mi * alpha) / (np.sqrt(vi) + eps)
            total += loss.item() * len(xs[s:s + 32])
        curve.append(total / len(X))
    np.testing.assert_allclose(curve, hist.history["loss"], rtol=1e-6)
    for w, p in zip(params, model.parameters()):
        np.testing.assert_allclose(w.numpy(), p.numpy(), rtol=1e-5, atol=1e-6)


def test_validation_data_and_split(circles):
    X_train, X_test, y_train, y_test = circles
    model = small_model()
    hist = model.fit(X_train, y_train, epochs=2, verbose=0, validation_data=(X_test, y_test))
    assert list(hist.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    val_loss, val_acc = model.evaluate(X_test, y_test)
    assert hist.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6)
    assert hist.history["val_accuracy"][-1] == pytest.approx(val_acc)

    # validation_split holds out the *last* samples (as Keras), trains on the rest
    seen = []
    model = small_model()
    model.fit(X_train, y_train, epochs=1, verbose=0, validation_split=0.2, batch_size=300,
              callbacks=[LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(b))])
    assert model.optimizer.iterations == 1                   # 240 training samples, one batch
    h = model.fit(X_train, y_train, epochs=1, verbose=0, validation_split=0.2, shuffle=False)
    ref = model.evaluate(X_train[240:], y_train[240:], return_dict=True)
    assert h.history["val_loss"][0] == pytest.approx(ref["loss"], rel=1e-6)


def test_evaluate_and_predict(circles):
    X_train, X_test, y_train, y_test = circles
    model = small_model()
    model.fit(X_train, y_train, epochs=1, verbose=0)
    loss, acc = model.evaluate(X_test, y_test, batch_size=7)
    p = model.predict(X_test)
    assert isinstance(p, np.ndarray) and p.shape == (100, 1) and p.dtype == np.float32
    ref = F.binary_cross_entropy(tg.Tensor(p), y_test.astype(np.float32)).item()
    assert loss == pytest.approx(ref, rel=1e-5)
    assert acc == pytest.approx(np.mean((p[:, 0] > 0.5) == y_test))
    np.testing.assert_allclose(model.predict(X_test, batch_size=3), p, rtol=1e-6)  # BLAS blocking
    assert model.evaluate(X_test, y_test, return_dict=True).keys() == {"loss", "accuracy"}
    bare = small_model(metrics=None)
    assert isinstance(bare.evaluate(X_test, y_test), float)      # Keras: no metrics -> scalar
    assert all(w.grad is None for w in bare.parameters())


def test_predict_records_no_graph():
    modes = []

    class Probe(Module):
        def forward(self, x):
            modes.append((tg.is_grad_enabled(), self.training))
            return x

    model = Sequential([Dense(2, input_dim=2), Probe()])
    model.predict(np.zeros((3, 2)))
    assert modes == [(False, False)] and model.training is True


def test_categorical_and_sparse_losses_train():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 3], [3, 0], [-3, -3]], dtype=np.float32)
    labels = rng.integers(0, 3, 300)
    X = centers[labels] + rng.standard_normal((300, 2)).astype(np.float32) * 0.5
    for loss, y in (("sparse_categorical_crossentropy", labels),
                    ("categorical_crossentropy", np.eye(3)[labels])):
        tg.manual_seed(0)
        model = Sequential([Dense(8, input_dim=2, activation="relu"),
                            Dense(3, activation="softmax")])
        model.compile(loss=loss, optimizer=tg.optim.Adam(lr=0.05), metrics=["accuracy"])
        hist = model.fit(X, y, epochs=10, verbose=0)
        assert hist.history["accuracy"][-1] > 0.95


@pytest.mark.parametrize("shape", [(6,), (6, 1)])
def test_integer_labels_with_categorical_crossentropy_name_the_fix(shape):
    """Keras' commonest mix-up: the error says to use the sparse loss or to one-hot encode."""
    model = Sequential([Dense(3, input_dim=2, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy") as err:
        model.fit(np.ones((6, 2)), (np.arange(6) % 3).reshape(shape), verbose=0)
    assert "one-hot" in str(err.value) and str(shape) in str(err.value)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")   # wrong width: no hint
    with pytest.raises(ValueError) as err:
        model.fit(np.ones((6, 2)), np.ones((6, 4)), verbose=0)
    assert "sparse" not in str(err.value)


def test_mse_and_custom_metric():
    X = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    y = 3 * X[:, 0] + 1

    def max_error(y_pred, y_true):
        return float(np.max(np.abs(y_pred[:, 0] - y_true.reshape(-1))))

    model = Sequential([Dense(1, input_dim=1)])
    model.compile(loss="mse", optimizer=tg.optim.SGD(lr=0.3), metrics=["mae", max_error])
    hist = model.fit(X, y, epochs=40, verbose=0)
    assert set(hist.history) == {"loss", "mae", "max_error"}
    assert hist.history["loss"][-1] < 1e-3 and hist.history["max_error"][-1] < 0.1
    np.testing.assert_allclose(model[0].kernel.numpy(), [[3.0]], atol=0.05)


# --------------------------------------------------------------- callbacks ---
def test_callback_order_and_logs(circles):
    X_train, _, y_train, _ = circles
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.params["epochs"], self.params["steps"]))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_train_batch_end(self, batch, logs=None):
            events.append(("batch", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, dict(logs)))

        def on_train_end(self, logs=None):
            events.append(("train_end",))

    model = small_model()
    hist = model.fit(X_train, y_train, epochs=2, batch_size=100, verbose=0, callbacks=[Recorder()])
    kinds = [e[0] for e in events]
    assert kinds == ["train_begin", "epoch_begin"] + ["batch"] * 3 + ["epoch_end", "epoch_begin"] \
        + ["batch"] * 3 + ["epoch_end", "train_end"]
    assert events[0] == ("train_begin", 2, 3)
    assert events[2][2] == ["accuracy", "loss"]
    assert events[5][2] == {"loss": hist.history["loss"][0], "accuracy": hist.history["accuracy"][0]}


def test_lambda_callback_and_model_access(circles):
    X_train, _, y_train, _ = circles
    snapshots = []
    model = small_model()
    cb = LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(
        model.predict(np.zeros((1, 2)))[0, 0]))
    model.fit(X_train, y_train, epochs=3, verbose=0, callbacks=[cb])
    assert len(snapshots) == 3 and len(set(snapshots)) == 3      # weights change every epoch
    assert cb.model is model
    with pytest.raises(TypeError, match="must be callable"):
        LambdaCallback(on_epoch_end=3)


def test_terminate_on_nan_stops_training(circles):
    X_train, _, y_train, _ = circles

    def nan_loss(y_pred, y_true):                       # a loss that becomes NaN
        return F.binary_cross_entropy(y_pred, y_true) * tg.Tensor(np.float32(np.nan))

    model = small_model(loss=nan_loss)
    before = model.state_dict()
    stopper = TerminateOnNaN(verbose=False)
    hist = model.fit(X_train, y_train, epochs=5, verbose=0, callbacks=[stopper])
    assert stopper.stopped[:2] == (0, 0) and math.isnan(stopper.stopped[2])
    assert model.stop_training and model.optimizer.iterations == 0   # NaN batch not applied
    assert len(hist.history["loss"]) == 1 and math.isnan(hist.history["loss"][0])
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_fit_stops_with_a_warning_when_the_loss_is_not_finite(circles):
    X_train, _, y_train, _ = circles

    calls = []

    def nan_after_two_batches(y_pred, y_true):
        calls.append(1)
        loss = F.binary_cross_entropy(y_pred, y_true)
        return loss * tg.Tensor(np.float32(np.nan)) if len(calls) > 3 else loss

    model = small_model(loss=nan_after_two_batches)       # call 1 is fit's shape check
    with pytest.warns(RuntimeWarning, match=r"loss became nan at batch 2 of epoch 0; training "
                                            r"stopped there.*learning rate"):
        hist = model.fit(X_train, y_train, epochs=5, verbose=0)
    assert model.optimizer.iterations == 2 and hist.epoch == [0]
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


def test_terminate_on_nan_when_the_learning_rate_diverges():
    X = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    model = Sequential([Dense(1, input_dim=1)])
    model.compile(loss="mse", optimizer=tg.optim.SGD(lr=1e4))
    stopper = TerminateOnNaN(verbose=False)
    with np.errstate(over="ignore", invalid="ignore"):
        hist = model.fit(X, 1e3 * X[:, 0], epochs=50, verbose=0, callbacks=[stopper])
    assert stopper.stopped is not None and len(hist.history["loss"]) < 50
    assert not math.isfinite(hist.history["loss"][-1])


def test_one_callback_alone_is_a_list_of_one(circles):
    """As in Keras (which flattens ``callbacks``): it was "'LambdaCallback' object is not iterable"."""
    X_train, _, y_train, _ = circles
    seen = []
    small_model().fit(X_train, y_train, epochs=2, verbose=0, seed=np.int64(1),
                      callbacks=LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e)))
    assert seen == [0, 1]


def test_stop_training_from_a_callback(circles):
    X_train, _, y_train, _ = circles

    class StopAtEpoch1(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    hist = small_model().fit(X_train, y_train, epochs=10, verbose=0, callbacks=[StopAtEpoch1()])
    assert hist.epoch == [0, 1]


# ------------------------------------------------------------ reproducible ---
def test_manual_seed_gives_bitwise_equal_histories(circles):
    X_train, _, y_train, _ = circles

    def run(seed):
        tg.manual_seed(seed)
        model = article_model()
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        return model.fit(X_train, y_train, epochs=3, verbose=0).history, model.state_dict()

    (h1, w1), (h2, w2), (h3, _) = run(4), run(4), run(5)
    assert h1 == h2 and all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert h1 != h3


def test_fit_seed_argument(circles):
    X_train, _, y_train, _ = circles

    def run(seed):
        model = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
        return model.fit(X_train, y_train, epochs=2, verbose=0, seed=seed).history

    assert run(1) == run(1) and run(1) != run(2)        # builds and shuffles from the seed


# ---------------------------------------------------------------- progress ---
def test_verbose_progress_bar_with_tqdm(circles, capsys):
    X_train, _, y_train, _ = circles
    small_model().fit(X_train, y_train, epochs=2, verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "loss=" in err and "accuracy=" in err


def test_verbose_without_tqdm_falls_back_to_lines(circles, capsys, monkeypatch):
    X_train, _, y_train, _ = circles
    monkeypatch.setattr(training.progress, "_tqdm", None)
    small_model().fit(X_train, y_train, epochs=2, verbose=1)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("Epoch 1/2 - 10/10 - loss: ")
    assert "accuracy: " in out[1]


def test_verbose_2_and_0(circles, capsys):
    X_train, X_test, y_train, y_test = circles
    small_model().fit(X_train, y_train, epochs=2, verbose=2, validation_data=(X_test, y_test))
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 2 and "val_loss: " in lines[1] and out.err == ""
    small_model().fit(X_train, y_train, epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")


# -------------------------------------------------------------- bad inputs ---
def _unchanged(model, before):
    after = model.state_dict()
    return all(np.array_equal(before[k], after[k]) for k in before) and \
        model.optimizer.iterations == 0


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(y="short"), ValueError, r"x has 300 samples but y has 299"),
    (dict(x="features3"), ValueError, r"dense_1: expected inputs with 2 features"),
    (dict(y="two_columns"), ValueError, r"labels y of shape \(300, 2\) do not match the model's "
                                        r"output of shape \('n', 1\)"),
    (dict(x="nan"), ValueError, r"x contains 1 non-finite values"),
    (dict(y="inf"), ValueError, r"y contains 1 non-finite values"),
    (dict(y="out_of_range"), ValueError, r"binary_crossentropy needs labels in \[0, 1\]"),
    (dict(batch_size=0), ValueError, r"batch_size must be an integer >= 1, got 0"),
    (dict(batch_size=2.5), ValueError, r"batch_size must be an integer >= 1"),
    (dict(epochs=-1), ValueError, r"epochs must be an integer >= 0"),
    (dict(verbose=3), ValueError, r"verbose must be 0, 1 or 2"),
    (dict(validation_split=1.0), ValueError, r"validation_split must be a fraction"),
    (dict(validation_data=(1, 2, 3)), ValueError, r"validation_data must be a pair"),
    (dict(validation_data="val_features3"), ValueError, r"fit \(validation data\).*2 features"),
    (dict(callbacks=[print]), TypeError, r"callbacks must be Callback instances"),
    (dict(callbacks=3), TypeError, r"fit: callbacks must be a list of Callback instances, got int"),
    (dict(seed="a"), ValueError, r"fit: seed must be an integer >= 0, got 'a'"),
    (dict(seed=-1), ValueError, r"fit: seed must be an integer >= 0, got -1"),
    (dict(x="strings"), TypeError, r"x must hold numbers"),
    (dict(x="empty", y="empty"), ValueError, r"x and y are empty"),
])
def test_bad_fit_inputs_fail_before_training(kwargs, exc, pattern):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2))
    y = (rng.random(300) > 0.5).astype(np.float32)
    data = {"short": y[:-1], "features3": np.zeros((300, 3)), "two_columns": np.zeros((300, 2)),
            "strings": np.array(["a"] * 300), "empty": np.zeros((0, 2)),
            "out_of_range": y * 2}
    nan, inf = X.copy(), y.copy()
    nan[5, 1], inf[7] = np.nan, np.inf
    data.update(nan=nan, inf=inf, val_features3=(np.zeros((10, 3)), y[:10]))
    args = dict(x=X, y=y, verbose=0)
    for k, v in kwargs.items():
        args[k] = data[v] if isinstance(v, str) and v in data else v
    if kwargs.get("y") == "empty":
        args["y"] = np.zeros(0)
    model = small_model()
    before = model.state_dict()
    with pytest.raises(exc, match=pattern):
        model.fit(**args)
    assert _unchanged(model, before)


def test_fit_before_compile_and_unknown_names():
    model = small_model(compiled=False)
    with pytest.raises(RuntimeError, match=r"not compiled.*model.compile\(loss="):
        model.fit(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(RuntimeError, match="not compiled"):
        model.evaluate(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"unknown loss 'binary'.*binary_crossentropy"):
        model.compile(loss="binary", optimizer="adam")
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'.*adam, adamax, rmsprop, sgd"):
        model.compile(loss="mse", optimizer="adamw")
    with pytest.raises(ValueError, match=r"unknown metric 'precision'.*accuracy"):
        model.compile(loss="mse", optimizer="adam", metrics=["precision"])
    with pytest.raises(ValueError, match="a loss is required"):
        model.compile(optimizer="adam")
    with pytest.raises(TypeError, match="optimizer must be"):
        model.compile(loss="mse", optimizer=3)


def test_label_shapes_are_aligned_not_broadcast(circles):
    """(n,) labels with a (n, 1) output are aligned, never broadcast to (n, n)."""
    X_train, X_test, y_train, y_test = circles
    model = small_model()
    model.fit(X_train, y_train, epochs=1, verbose=0)
    flat = model.evaluate(X_test, y_test, return_dict=True)
    column = model.evaluate(X_test, y_test.reshape(-1, 1), return_dict=True)
    assert flat == column
    with pytest.raises(ValueError, match="do not match"):
        model.evaluate(X_test, np.zeros((100, 3)))
    with pytest.raises(ValueError, match="predict: the model cannot take x"):
        model.predict(np.zeros((5, 3)))


def test_x_with_one_axis_is_samples_of_one_number():
    """x of shape (n,) is n samples (rows), as in Keras: never read as one sample of n
    features (predict returned one output for two "samples"), and the error gives both fixes."""
    model = small_model()              # 2 features in, 1 out
    one_axis = r"x of shape \(2,\) has one axis: .*x.reshape\(-1, 1\).*x.reshape\(1, -1\)"
    with pytest.raises(ValueError, match=r"predict: the model turned 2 samples of x \(shape "
                                         r"\(2,\)\) into an output of shape \(1,\); .*" + one_axis):
        model.predict(np.array([0.5, -0.5]))
    assert model.predict(np.array([[0.5, -0.5]])).shape == (1, 1)
    wide = Sequential([Dense(4, input_dim=40)])
    with pytest.raises(ValueError, match=r"x of shape \(40,\) \(tried on 32 samples of it\): "
                                         r"dense.*40 features.*x.reshape\(1, -1\)"):
        wide.predict(np.ones(40))      # batches of 32 "samples": the error says so
    with pytest.raises(ValueError, match=r"fit: the model cannot take x of shape \(20, 1\) "
                                         r"\(tried on 2 samples of it\)"):
        model.fit(np.zeros((20, 1)), np.zeros(20), epochs=1, verbose=0)


def test_sparse_labels_must_be_integers():
    model = Sequential([Dense(3, input_dim=2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="integer class labels"):
        model.fit(np.zeros((4, 2)), np.array([0.5, 1, 2, 0]), verbose=0)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\]"):
        model.fit(np.zeros((4, 2)), np.array([0, 1, 5, 0]), verbose=0)


def test_seed_sweep_script_smoke(capsys):
    """scripts/seed_sweep.py (the 20-seed acceptance run) works end to end on a tiny budget."""
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "seed_sweep.py"
    spec = importlib.util.spec_from_file_location("seed_sweep", path)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    results = sweep.main(["--seeds", "2", "--epochs", "1", "--workers", "1"])
    out = capsys.readouterr().out
    assert [r["seed"] for r in results] == [0, 1] and "| 1 |" in out
    assert "seeds reach test accuracy >= 0.99" in out
    assert all(len(r["dead_units"]) == 4 and 0 <= r["test_acc"] <= 1 for r in results)


def test_training_stays_float32(circles):
    """float64 data is converted once; loss, gradients, weights and outputs stay float32."""
    X_train, _, y_train, _ = circles
    assert X_train.dtype == np.float64
    model = small_model()
    seen = set()

    def spy(batch, logs):
        seen.update(p.grad.dtype for p in model.parameters())
        seen.update(p.dtype for p in model.parameters())
        seen.update(s.dtype for st in model.optimizer.state for s in st.values())

    model.fit(X_train, y_train, epochs=1, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_end=spy)])
    assert seen == {np.dtype(np.float32)}
    assert model.predict(X_train).dtype == np.float32
    assert model(X_train).dtype == np.float32


def test_model_checkpoint(tmp_path, circles):
    from tinygrad_edu.training import ModelCheckpoint
    X_train, X_test, y_train, y_test = circles
    model = small_model()
    ckpt = ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.npz"),
                           optimizer_filepath=str(tmp_path / "opt-{epoch:02d}.npz"))
    model.fit(X_train, y_train, epochs=3, verbose=0, callbacks=[ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "opt-01.npz", "opt-02.npz", "opt-03.npz", "w-01.npz", "w-02.npz", "w-03.npz"]
    restored = small_model()
    restored.load_weights(tmp_path / "w-03.npz")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), restored.get_weights()))

    best = ModelCheckpoint(str(tmp_path / "best.npz"), monitor="val_accuracy", mode="max",
                           save_best_only=True)
    hist = small_model().fit(X_train, y_train, epochs=4, verbose=0, callbacks=[best],
                             validation_data=(X_test, y_test))
    acc = hist.history["val_accuracy"]
    improved = sum(a > max(acc[:i], default=-1) for i, a in enumerate(acc))
    assert len(best.saved) == improved and best.best == max(acc)
    bad = ModelCheckpoint(str(tmp_path / "x.npz"), monitor="val_loss", save_best_only=True)
    with pytest.raises(ValueError, match="monitor='val_loss' is not in the logs; available: loss"):
        small_model().fit(X_train, y_train, epochs=1, verbose=0, callbacks=[bad])


# ------------------------------------------------------------ jit_compile ---
def _fit_weights(jit_compile, X, y, loss="binary_crossentropy", **fit_kw):
    tg.manual_seed(3)
    model = Sequential([Dense(8, input_dim=2, activation="relu"), Dense(6, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.compile(loss=loss, optimizer="adam", metrics=["accuracy"], jit_compile=jit_compile)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, y, epochs=4, batch_size=32, verbose=0, seed=1, **fit_kw)
    return [w.copy() for w in model.get_weights()], history.history, [str(w.message) for w in caught]


def test_fit_with_jit_compile_trains_bit_for_bit_like_eager(circles):
    X_train, _, y_train, _ = circles          # 300 samples: 9 full batches and one of 12
    eager = _fit_weights(False, X_train, y_train)
    jitted = _fit_weights(True, X_train, y_train)
    for a, b in zip(jitted[0], eager[0]):
        np.testing.assert_array_equal(a, b)
    assert jitted[1] == eager[1]


def test_fit_with_jit_compile_stops_on_a_nan_loss_like_eager(circles):
    X_train, _, y_train, _ = circles
    runs = []
    for jit_compile in (False, True):
        tg.manual_seed(4)
        model = Sequential([Dense(8, input_dim=2, activation="relu"), Dense(1)])
        model.compile(loss="mse", optimizer=tg.optim.SGD(lr=100.0), jit_compile=jit_compile)
        with pytest.warns(RuntimeWarning, match="training stopped there") as caught, \
                np.errstate(all="ignore"):
            model.fit(X_train, y_train, epochs=3, verbose=0, seed=1)   # diverges
        runs.append(([w.copy() for w in model.get_weights()], str(caught[0].message)))
    assert runs[0][1] == runs[1][1] and "at batch 6 of epoch 0" in runs[1][1]   # a replay
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(w).all() for w in runs[1][0])   # the last good weights


def test_fit_with_jit_compile_replays_sparse_labels_bit_for_bit(circles):
    """Integer labels pick at kernel-made positions, so a classifier's step replays too."""
    X_train, _, y_train, _ = circles
    labels = y_train.astype(np.int64)
    runs = []
    for jit_compile in (False, True):
        tg.manual_seed(5)
        model = Sequential([Dense(6, input_dim=2, activation="relu"), Dense(2, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                      metrics=["accuracy"], jit_compile=jit_compile)
        history = model.fit(X_train, labels, epochs=3, batch_size=32, verbose=0, seed=2)
        runs.append((model.get_weights(), history.history))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]


def test_jit_compile_auto_trains_eagerly_when_the_step_cannot_be_replayed(circles):
    X_train, _, y_train, _ = circles
    seen = []

    def logged_bce(p, y):                     # reads values into Python: not replayable
        seen.append(float(p.numpy().mean()))
        return F.binary_cross_entropy(p, y)

    model = small_model(loss=logged_bce, jit_compile="auto")
    model.fit(X_train, y_train, epochs=1, batch_size=50, verbose=0)
    assert len(seen) == 1 + 6                 # fit's check of the labels, then all 6 batches
    strict = small_model(loss=logged_bce, jit_compile=True)
    with pytest.raises(tg.JitError, match="cannot be replayed"):
        strict.fit(X_train, y_train, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="jit_compile must be 'auto', True or False"):
        small_model(jit_compile="yes")
