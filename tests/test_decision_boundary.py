"""DecisionBoundary: the decision-region animation for any 2-D classifier (binary or K classes)."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F
from tinygrad_edu.training import DecisionBoundary
from tinygrad_edu.training.decision import as_probabilities, class_colors

from figure_checks import check_gif, check_png


def three_blobs(n=90):
    y = np.arange(n) % 3
    X = np.random.default_rng(0).normal(0, 0.3, (n, 2)) + np.array([[0, 1], [1, -1], [-1, -1]])[y]
    return X.astype(np.float32), y


def test_k_classes_are_drawn_in_their_colours(tmp_path):
    tg.manual_seed(0)
    X, y = three_blobs()
    model = tg.Sequential([tg.Dense(3, input_dim=2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=tg.optim.Adam(0.05))
    boundary = DecisionBoundary(X, np.eye(3)[y], str(tmp_path / "b.gif"), grid=30,
                                png_path=str(tmp_path / "b.png"), title="blobs")
    model.fit(X, y, epochs=3, verbose=0, callbacks=[boundary])
    assert boundary.frames == 3 and boundary.probabilities.shape == (30, 30, 3)
    assert np.allclose(boundary.probabilities.sum(axis=-1), 1, atol=1e-5)
    check_gif(boundary.path, frames=3)
    check_png(boundary.png_path, min_bytes=3_000)
    x0, x1, y0, y1 = boundary.extent                    # the points' box, with a margin
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min()


def test_logits_and_any_callable(tmp_path):
    X, y = tg.datasets.make_moons(40, noise=0.1, random_state=0)
    tg.manual_seed(0)
    model = tg.Sequential([tg.Dense(8, input_dim=2, activation="tanh"), tg.Dense(1)])
    model.compile(loss=lambda p, t: F.binary_cross_entropy(p.sigmoid(), t), optimizer="adam")
    boundary = DecisionBoundary(X, y, str(tmp_path / "m.gif"), grid=12, from_logits=True)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[boundary])
    logits = model.predict(boundary.points).ravel()
    assert np.allclose(boundary.probabilities.ravel(), 1 / (1 + np.exp(-logits)), atol=1e-6)
    by_hand = DecisionBoundary(X, y, str(tmp_path / "h.gif"), grid=8, lim=(-2, 3, -1, 2),
                               model=lambda P: (P[:, 0] > 0.5) * 1.0)
    by_hand.on_epoch_end(0)
    by_hand.on_train_end()
    assert by_hand.probabilities.shape == (8, 8) and set(np.unique(by_hand.probabilities)) == {0, 1}
    check_gif(by_hand.path, frames=1)


def test_what_cannot_be_drawn_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(n, 2\), got shape \(4, 3\)"):
        DecisionBoundary(np.zeros((4, 3)), np.zeros(4), str(tmp_path / "x.gif"))


def test_probabilities_and_colours():
    p = as_probabilities(np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), from_logits=True)
    assert np.allclose(p.sum(axis=1), 1) and p[0].argmax() == 0
    rgba = class_colors(p)
    assert rgba.shape == (2, 4) and rgba[0, 3] > rgba[1, 3]      # surer: more opaque
    assert rgba[1, 3] == pytest.approx(0.15)                     # a tie: palest
