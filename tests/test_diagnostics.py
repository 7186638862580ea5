"""Diagnostics (per layer and epoch) and fit's DeadUnitWarning: a run that dies is reported, one that learns is not."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.recipe import DEMO_SEED, DYING_SEED, RECIPE, build_model, load_circles
from tinygrad_edu.training import DeadUnitWarning, Diagnostics

from figure_checks import check_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fit_recipe(seed, epochs, callbacks=()):
    """The recipe's steps (train_article_model), with fit called here so warnings point here."""
    X_train, X_test, y_train, y_test = load_circles(seed)
    model = build_model()
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=RECIPE["batch_size"],
                        verbose=0, callbacks=list(callbacks))
    return model, history


def no_hooks_left(model):
    return all(not m._forward_hooks for _, m in model.named_modules())


@pytest.fixture(scope="module")
def dying():
    """The recipe on the seed that dies (3 epochs), watched: (model, history, diag, warnings)."""
    diag = Diagnostics()
    with pytest.warns(DeadUnitWarning) as caught:
        model, history = fit_recipe(DYING_SEED, epochs=3, callbacks=[diag])
    return model, history, diag, list(caught)


@pytest.fixture(scope="module")
def learning():
    """The article's run (the demo seed, 50 epochs), watched, with DeadUnitWarning an error."""
    diag = Diagnostics()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeadUnitWarning)
        model, history = fit_recipe(DEMO_SEED, epochs=RECIPE["epochs"], callbacks=[diag])
    return model, history, diag


def test_a_run_that_dies_is_reported(dying):
    model, history, diag, caught = dying
    (w,) = [w for w in caught if w.category is DeadUnitWarning]        # once per fit
    text = str(w.message)
    assert "layer 'dense_4' (units 0-3)" in text and "epoch 2/3:" in text
    assert "bias_initializer=tg.nn.init.constant(0.1)" in text and "leaky_relu" in text
    assert w.filename == __file__                       # points at the line that called fit
    dense_4 = diag.history["dense_4"]
    assert dense_4["dead_fraction"][1:] == [1.0, 1.0] and dense_4["dead_units"][-1] == [0, 1, 2, 3]
    assert dense_4["zero_fraction"][-1] == 1.0
    for name in ("dense_1", "dense_2", "dense_3", "dense_4"):           # nothing flows below it
        assert diag.history[name]["grad_norm"][-1] == 0.0
    assert diag.history["dense_5"]["grad_norm"][-1] > 0                 # only the output bias
    assert history.history["loss"][-1] == pytest.approx(math.log(2), abs=1e-4)
    assert no_hooks_left(model)


def test_a_run_that_learns_is_not_reported(learning):
    model, history, diag = learning
    assert history.history["accuracy"][-1] == 1.0
    h = diag.history
    assert all(len(h[name]["grad_norm"]) == 50 for name in diag.layers)
    assert h["dense_1"]["dead_fraction"][-1] == 0.0
    # single dead units are common in this small net and do not stop it learning: recorded, not warned
    assert h["dense_2"]["dead_units"][-1] == [1] and h["dense_2"]["dead_fraction"][-1] == 1 / 6
    assert math.isnan(h["dense_5"]["dead_fraction"][-1])               # sigmoid: not a ReLU
    assert h["dense_5"]["saturated_fraction"][-1] == 0.0
    ratios = diag.table("update_ratio")
    assert ratios.shape == (5, 50) and (1e-5 < ratios).all() and (ratios < 1e-2).all()
    assert diag.units == {"dense_1": 4, "dense_2": 6, "dense_3": 6, "dense_4": 4, "dense_5": 1}
    counts, edges = h["dense_3"]["activation_hist"][-1]
    assert counts.sum() == 900 * 6 and len(edges) == 31    # the epoch (up to its last 1024 samples)
    assert no_hooks_left(model)


def test_a_hand_written_loop_records_what_fit_records():
    X, _, y, _ = load_circles(seed=0, n_samples=200)
    X, y = X[:128].astype(np.float32), y[:128].astype(np.float32).reshape(-1, 1)
    tg.manual_seed(1)
    model = build_model()
    state = model.state_dict()
    by_fit = Diagnostics()
    model.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0, callbacks=[by_fit])
    model.load_state_dict(state)
    opt = tg.optim.Adam(model.parameters())
    by_hand = Diagnostics()
    for epoch in range(2):
        for s in range(0, 128, 32):
            loss = tg.nn.functional.binary_cross_entropy(model(tg.Tensor(X[s:s + 32])),
                                                         tg.Tensor(y[s:s + 32]))
            opt.zero_grad()
            loss.backward()
            by_hand.observe(model)
            opt.step()
        by_hand.end_epoch()
    by_hand.detach()
    assert by_hand.epoch == by_fit.epoch == [0, 1]
    for name in by_fit.layers:
        assert by_hand.history[name]["grad_norm"] == pytest.approx(by_fit.history[name]["grad_norm"])
    # the first call only attaches: its activations and its step before it are not seen
    assert by_hand.history["dense_1"]["dead_fraction"][1] == by_fit.history["dense_1"]["dead_fraction"][1]
    assert no_hooks_left(model)
    report = by_fit.report()
    assert report.splitlines()[0].split()[:3] == ["layer", "grad", "norm"] and "dense_5" in report


def test_saturated_tanh_units_and_the_errors():
    model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")])
    model[0].kernel.data[...] = [[50.0, 0.0, 0.01], [50.0, 0.0, 0.02]]
    model[0].bias.data[...] = [0.0, 30.0, 0.0]      # units 0 and 1 at +-1 on every sample
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    X = np.array([[1.0, 1.0], [-1.0, -1.0], [0.5, 0.2]], np.float32)
    diag = Diagnostics()
    model.fit(X, np.array([1, 0, 1]), epochs=1, verbose=0, callbacks=[diag])
    assert diag.history["dense_1"]["saturated_units"] == [[0, 1]]
    assert diag.history["dense_1"]["saturated_fraction"] == [2 / 3]
    assert math.isnan(diag.history["dense_1"]["dead_fraction"][0])
    with pytest.raises(ValueError, match="Diagnostics.table: key must be"):
        diag.table("dead_units")
    with pytest.raises(RuntimeError, match="observe: no model yet"):
        Diagnostics().observe()
    # Its arguments are checked when it is made (bins=0 was NumPy's "`bins` must be positive"
    # at the end of the first epoch; samples=0 and tol=-1 were accepted).
    for kwargs, pattern in [(dict(bins=0), "bins must be an integer >= 1, got 0"),
                            (dict(samples=0), "samples must be an integer >= 1, got 0"),
                            (dict(bins="a"), "bins must be an integer >= 1, got 'a'"),
                            (dict(tol=-1), r"tol must be a number in \[0, 0.5\), got -1")]:
        with pytest.raises(ValueError, match=f"Diagnostics: {pattern}"):
            Diagnostics(**kwargs)
    model.compile(loss="binary_crossentropy", optimizer="sgd", jit_compile=True)
    with pytest.raises(ValueError, match="jit_compile=False to use Diagnostics"):
        model.fit(X, np.array([1, 0, 1]), epochs=1, verbose=0, callbacks=[Diagnostics()])


def test_the_figures_are_real_pngs(tmp_path, dying, learning):
    for name, diag in (("dies", dying[2]), ("learns", learning[2])):
        path = diag.plot(str(tmp_path / f"{name}.png"), title=f"a run that {name}")
        with open(path, "rb") as f:
            assert f.read(8) == PNG_SIGNATURE
        check_png(path, min_size=(780, 450), min_bytes=20_000)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        Diagnostics().plot(str(tmp_path / "empty.png"))


def test_validation_and_prediction_do_not_count():
    # eval-mode calls (validation, predict) are not training samples
    model = Sequential([Dense(2, activation="relu", input_dim=1)])
    model[0].kernel.data[...] = [[1.0, -1.0]]
    model.compile(loss="mse", optimizer=tg.optim.SGD(lr=0.0))
    X, y = np.ones((4, 1), np.float32), np.zeros((4, 2), np.float32)
    diag = Diagnostics()
    model.fit(X, y, epochs=1, verbose=0, validation_data=(-X, y), callbacks=[diag])
    assert diag.history["dense_1"]["dead_units"] == [[1]]    # -X would make unit 1 active


def test_a_nan_sample_does_not_make_an_active_relu_unit_dead():
    """ReLU keeps a NaN; "active on some sample" must not read it as the unit's maximum."""
    from tinygrad_edu.training.units import DeadLayerCheck, _moving
    out = np.array([[np.nan, -1.0], [2.0, -1.0]], np.float32)
    np.testing.assert_array_equal(_moving("relu", out, 1e-3), [True, False])
    model = Sequential([Dense(2, activation="relu", input_dim=1)])
    model[0].kernel.data[...] = [[1.0, -1.0]]
    check = DeadLayerCheck(model)
    model(tg.Tensor(np.array([[np.nan], [1.0]], np.float32)))
    assert check.dead_layers() == []
    check.remove()


def test_the_dead_layer_check_watches_a_layer_only_until_it_is_seen_alive():
    """fit's check costs nothing for the rest of an epoch once every layer was seen alive:
    each hook takes itself off, and the next epoch puts it back; a dead layer stays watched."""
    from tinygrad_edu.training.units import DeadLayerCheck
    model = Sequential([Dense(3, activation="relu", input_dim=2, bias_initializer="ones"),
                        Dense(2, activation="relu", bias_initializer="ones"),
                        Dense(1, activation="sigmoid")])
    x = tg.Tensor(np.ones((4, 2), np.float32))
    check = DeadLayerCheck(model)
    watched = lambda: [bool(m._forward_hooks) for m in model.layers]    # noqa: E731
    assert watched() == [True, True, False]          # the ReLU layers only
    model(x)
    assert watched() == [False, False, False] and check.dead_layers() == []
    model[1].bias.data[...] = -10.0                  # the second layer dies
    model[1].kernel.data[...] = 0.0
    check.start_epoch()
    assert watched() == [True, True, False]
    model(x)
    model(x)
    assert watched() == [False, True, False] and check.dead_layers() == [("dense_2", 2)]
    check.remove()
    assert watched() == [False, False, False]
