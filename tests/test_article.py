"""tinygrad_edu.article: the recipe, the autodiff checks the article does by hand, the figures."""
import numpy as np
import pytest

from tinygrad_edu import article

from figure_checks import check_gif, check_png, check_svg


# ------------------------------------------------------------------ recipe ---
def test_data_recipe():
    X_train, X_test, y_train, y_test = article.load_circles(seed=article.DEMO_SEED)
    assert X_train.shape == (900, 2) and X_test.shape == (100, 2)
    assert set(np.unique(y_train)) == {0, 1}
    r = np.hypot(X_train[:, 0], X_train[:, 1])
    # outer ring (class 0) around radius 1, inner ring (class 1) around radius 0.3
    assert abs(np.median(r[y_train == 0]) - 1.0) < 0.1
    assert abs(np.median(r[y_train == 1]) - 0.3) < 0.1
    assert np.abs(X_train).max() < 1.5 + 0.5


def test_model_is_the_articles():
    model = article.build_model()
    sizes = article.plots._layer_sizes(model)
    assert sizes == [(2, "input"), (4, "relu"), (6, "relu"), (6, "relu"), (4, "relu"),
                     (1, "sigmoid")]
    assert sizes[1:] == list(article.ARCHITECTURE)
    assert model.count_params() == 117


def test_one_seed_drives_the_whole_run():
    def run(seed):
        model, history, data = article.train_article_model(seed, epochs=1)
        return history.history["loss"][0], data[0], model.parameters()[0].numpy()

    (l1, X1, w1), (l2, X2, w2), (l3, X3, w3) = run(5), run(5), run(6)
    assert l1 == l2 and np.array_equal(X1, X2) and np.array_equal(w1, w2)
    assert l1 != l3 and not np.array_equal(X1, X3) and not np.array_equal(w1, w3)


def test_full_recipe_reaches_test_accuracy_one_for_the_demo_seed():
    """The article's result, on our framework: 50 epochs, test accuracy 1.0."""
    model, history, (X_train, X_test, y_train, y_test) = article.train_article_model(
        article.DEMO_SEED)
    loss, acc = model.evaluate(X_test, y_test, verbose=0)
    assert acc == 1.0
    assert loss < 0.01
    h = history.history
    assert len(h["loss"]) == 50 and h["accuracy"][-1] == 1.0
    assert h["loss"][0] > 0.5 > 0.02 > h["loss"][-1]            # the article: ~0.64 -> ~0.02
    assert max(h["accuracy"][:10]) > 0.86                        # the article: ~0.86 by epoch 10


# ---------------------------------------------------- checks by autodiff ----
def test_activation_derivatives_are_the_closed_forms():
    assert article.check_activation_derivatives() < 1e-12
    d = article.activation_derivatives([-3.0, -1e-3, 0.0, 1e-3, 4.0])
    assert d["ReLU"][2].tolist() == [0, 0, 0, 1, 1]
    assert d["leaky ReLU"][2].tolist() == [0.01, 0.01, 0.01, 1, 1]
    assert np.allclose(d["tanh"][2], 1 - np.tanh(d["tanh"][0]) ** 2)


def test_check_activation_derivatives_catches_a_wrong_rule(monkeypatch):
    forms = article.checks._closed_forms()
    ours, value, _ = forms["sigmoid"]
    forms["sigmoid"] = (ours, value, lambda z: value(z))       # a wrong "closed form"
    monkeypatch.setattr(article.checks, "_closed_forms", lambda: forms)
    with pytest.raises(AssertionError, match="sigmoid"):
        article.check_activation_derivatives()


def test_output_layer_dz_is_y_hat_minus_y_over_m():
    rng = np.random.default_rng(0)
    m = 7
    A, W = rng.normal(size=(m, 4)), rng.normal(size=(4, 1))
    Y = rng.integers(0, 2, size=(m, 1)).astype(float)
    dZ, y_hat = article.output_layer_dz(A, W, rng.normal(size=1), Y)
    assert np.allclose(dZ, (y_hat - Y) / m, atol=1e-12)


def test_gradient_descent_on_the_sine_fit():
    x, y = article.sine_data(seed=0)
    assert x.shape == y.shape == (200,) and x[0] == -1 and x[-1] == 1
    path, losses = article.descend_sine_fit(x, y)
    assert path.shape == (181, 2) and tuple(path[0]) == (-1.0, -1.5)
    assert losses[-1] < 0.05 * losses[0]
    # the first step is exactly -lr * gradient, with the gradient by hand
    a, b = path[0]
    r = np.sin(b * np.cos(a * x)) - y
    c = np.cos(b * np.cos(a * x))
    da = np.mean(2 * r * c * b * -np.sin(a * x) * x)
    db = np.mean(2 * r * c * np.cos(a * x))
    assert np.allclose(path[1], path[0] - 0.04 * np.array([da, db]))


def test_loss_surface_matches_numpy():
    x, y = article.sine_data(seed=1, n=20)
    av, bv, mse = article.sine_loss_surface(x, y, n=9)
    assert mse.shape == (9, 9) and av[0] == -5 and bv[-1] == 5
    i, j = 2, 7
    assert np.isclose(mse[i, j], np.mean((np.sin(bv[i] * np.cos(av[j] * x)) - y) ** 2))


# ---------------------------------------------------------------- figures ---
def test_static_figures(tmp_path):
    X_train, _, y_train, _ = article.load_circles(seed=0)
    check_png(article.plot_dataset(X_train, y_train, str(tmp_path / "f1.png")))
    check_png(article.plot_architecture(article.build_model(), str(tmp_path / "f2.png")))
    check_png(article.plot_activations(str(tmp_path / "f6.png")))
    path, info = article.plot_loss_surface(str(tmp_path / "f8.png"), grid=21, steps=20)
    check_png(path)
    assert info["loss"] < info["start_loss"]
    check_png(article.plot_decision_regions(lambda X: (np.hypot(*X.T) < 0.6) * 1.0, X_train,
                                            y_train, str(tmp_path / "r.png"), grid=20))


def test_graph_figures(tmp_path):
    check_svg(article.plot_neuron_graph(str(tmp_path / "f4.svg")), must_contain=("MatMul", "w"))
    check_svg(article.plot_neuron_graph(str(tmp_path / "f4b.svg"), mode="backward"),
              must_contain=("backward",))
    check_svg(article.plot_layer_graph(str(tmp_path / "f5.svg")), must_contain=("relu",))
    model = article.build_model()
    X_train, _, y_train, _ = article.load_circles(seed=0)
    before = [p.numpy().copy() for p in model.parameters()]
    fwd, bwd = article.plot_network_graphs(model, X_train[:3], y_train[:3],
                                           str(tmp_path / "f9f.svg"), str(tmp_path / "f9b.svg"))
    check_svg(fwd, must_contain=("dense_1", "dense_5"))
    check_svg(bwd, must_contain=("backward",))
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, model.parameters()))
    assert all(p.grad is None for p in model.parameters())


def test_figure_callbacks_draw_one_frame_per_epoch(tmp_path):
    X_train, _, y_train, _ = article.load_circles(seed=0)
    model = article.build_model()
    regions = article.DecisionRegions(X_train, y_train, str(tmp_path / "r.gif"), grid=15,
                                      png_path=str(tmp_path / "r.png"))
    curves = article.TrainingCurves(str(tmp_path / "c.png"), str(tmp_path / "c.gif"))
    history = model.fit(X_train[:128], y_train[:128], epochs=4, verbose=0,
                        callbacks=[regions, curves])
    assert regions.frames == curves.frames == 4
    check_gif(regions.path, frames=4)
    check_png(regions.png_path)
    check_gif(curves.gif_path, frames=4, min_size=(300, 100))
    check_png(curves.png_path)
    assert curves.loss == pytest.approx(history.history["loss"])
    assert curves.accuracy == pytest.approx(history.history["accuracy"])
    # the regions are the model's own predictions after the last epoch
    assert np.allclose(regions.probabilities.ravel(),
                       model.predict(regions.points, verbose=0).ravel(), atol=1e-6)


def test_decision_regions_needs_a_model(tmp_path):
    cb = article.DecisionRegions(np.zeros((2, 2)), np.zeros(2), str(tmp_path / "r.gif"), grid=5)
    with pytest.raises(RuntimeError, match="no model"):
        cb.on_epoch_end(0, {})


def test_architecture_refuses_what_it_cannot_draw(tmp_path):
    from tinygrad_edu.nn import Activation, Sequential
    with pytest.raises(TypeError, match="plot_architecture"):
        article.plot_architecture(Sequential([Activation("relu")]), str(tmp_path / "x.png"))
