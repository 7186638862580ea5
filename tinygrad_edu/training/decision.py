"""``DecisionBoundary``: what a 2-D classifier predicts over the plane, after every epoch, as a GIF.

Give it to ``fit`` like any Keras callback::

    boundary = DecisionBoundary(X_train, y_train, "out/boundary.gif", png_path="out/last.png")
    model.fit(X_train, y_train, epochs=50, callbacks=[boundary])

After each epoch it predicts on a grid over the plane and draws the result
under the training points: for one output (a sigmoid), the probability of
class 1 as filled contours; for ``K > 1`` outputs (a softmax), each point's
most likely class in its colour, paler where the model is less sure.  The
figure is drawn once; a frame then redraws only the prediction and the title
(blitting, see :mod:`tinygrad_edu.drawing`), so it costs milliseconds.  The
GIF (and the last frame as a PNG) is written when training ends.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..drawing import CMAP, GifWriter, blit, blit_background, figure, save, scatter
from ..tensor import Tensor
from .callbacks import Callback

__all__ = ["DecisionBoundary", "decision_grid", "predict_probabilities"]

#: The colours of classes 0, 1, ... when there are more than two.
CLASS_COLORS = ("#2b83ba", "#d7191c", "#1a9641", "#fdae61", "#7b3294", "#636363", "#e7298a",
                "#66a61e", "#a6761d", "#1f78b4")


def decision_grid(n=100, lim=1.5):
    """An ``n`` x ``n`` grid: ``(xx, yy, points)``, with points of shape (n*n, 2).

    ``lim`` is a half-width (the square [-lim, lim]^2) or an extent
    ``(x_min, x_max, y_min, y_max)``.

    Examples
    --------
    >>> xx, yy, points = decision_grid(n=3, lim=1.0)
    >>> xx.shape, points[:4].tolist()
    ((3, 3), [[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0], [-1.0, 0.0]])
    >>> decision_grid(n=2, lim=(0, 1, 10, 20))[2].tolist()
    [[0.0, 10.0], [1.0, 10.0], [0.0, 20.0], [1.0, 20.0]]
    """
    x0, x1, y0, y1 = _extent(lim)
    xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)


def _extent(lim):
    if np.ndim(lim) == 0:
        return (-float(lim), float(lim), -float(lim), float(lim))
    x0, x1, y0, y1 = (float(v) for v in lim)
    return x0, x1, y0, y1


def data_extent(X, margin=0.1):
    """The bounding box of the points ``X``, ``margin`` of its size wider on every side.

    Examples
    --------
    >>> data_extent(np.array([[0.0, 0.0], [1.0, 2.0]]))
    (-0.1, 1.1, -0.2, 2.2)
    """
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    return tuple(round(float(v), 12) for v in (lo[0] - pad[0], hi[0] + pad[0],
                                               lo[1] - pad[1], hi[1] + pad[1]))


def predict_probabilities(model, X):
    """Outputs of a model with ``predict``, or of any callable on NumPy arrays, as float64.

    The whole of ``X`` goes through ``predict`` in one batch.

    Examples
    --------
    >>> predict_probabilities(lambda X: X[:, 0] > 0, np.array([[1.0, 0.0], [-1.0, 0.0]]))
    array([1., 0.])
    """
    if not hasattr(model, "predict"):
        p = model(X)
    else:
        params = _predict_params(model)
        kw = {k: v for k, v in (("verbose", 0), ("batch_size", len(X))) if k in params}
        p = model.predict(X, **kw)         # the whole grid in one batch: one forward pass
    return np.asarray(p.numpy() if isinstance(p, Tensor) else p, dtype=np.float64)


def _predict_params(model):
    """The parameters ``model.predict`` takes (none known when it has no signature)."""
    try:
        return inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return {}


def as_probabilities(out, from_logits=False):
    """Model outputs as probabilities: ``(n,)`` for one output, ``(n, K)`` for K.

    ``from_logits``: apply the sigmoid (one output) or the softmax (K outputs) first.

    Examples
    --------
    >>> as_probabilities(np.array([[0.0], [100.0]]), from_logits=True).tolist()
    [0.5, 1.0]
    >>> as_probabilities(np.array([[0.0, 0.0]]), from_logits=True).tolist()
    [[0.5, 0.5]]
    """
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 1 or out.shape[-1] == 1:
        out = out.reshape(len(out))
        return 1 / (1 + np.exp(-np.clip(out, -500, 500))) if from_logits else out
    if from_logits:
        e = np.exp(out - out.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return out


def class_colors(probabilities):
    """RGBA colours (n, 4): the most likely class's colour, more opaque where it is surer."""
    from matplotlib.colors import to_rgb
    k = probabilities.shape[-1]
    palette = np.array([to_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(k)])
    best = probabilities.argmax(axis=-1)
    sure = (probabilities.max(axis=-1) - 1 / k) / (1 - 1 / k)       # 0 at a tie, 1 when certain
    return np.concatenate([palette[best], (0.15 + 0.5 * sure)[..., None]], axis=-1)


class DecisionBoundary(Callback):
    """After every epoch, a 2-D classifier's prediction over the plane, as an animated GIF.

    Parameters
    ----------
    X : array_like of shape (n, 2)
        The points drawn over the prediction (the training set, say).
    y : array_like
        Their labels: 0/1, class numbers 0..K-1, or one-hot rows.
    path : str
        Where the GIF goes.
    grid : int
        The grid is ``grid`` x ``grid`` points.
    lim : float, (x_min, x_max, y_min, y_max) or None
        The square [-lim, lim]^2, an extent, or (None) the points' bounding
        box with a 10% margin.
    title : str
        Frames are titled ``"{title} epoch: 001"``, ...
    png_path : str, optional
        Also save the last frame as a PNG.
    model : optional
        The model to draw (default: the one ``fit`` trains); anything with
        ``predict`` or a function from an (n, 2) array to outputs.
    from_logits : bool
        The model outputs logits (a linear last layer): apply the sigmoid or
        softmax before drawing.
    size, dpi, fps : float, int, int
        Frame size in inches, dots per inch, frames per second.

    Attributes
    ----------
    frames : int
    probabilities : ndarray
        The last prediction: (grid, grid) for one output, (grid, grid, K) for K.

    Examples
    --------
    >>> import os, tempfile
    >>> import tinygrad_edu as tg
    >>> y = np.arange(60) % 3                                     # three blobs of points
    >>> X = np.random.default_rng(0).normal(0, 0.3, (60, 2)) + np.array([[0, 1], [1, -1], [-1, -1]])[y]
    >>> model = tg.Sequential([tg.Dense(3, input_dim=2, activation="softmax")])
    >>> model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    >>> boundary = DecisionBoundary(X, y, os.path.join(tempfile.mkdtemp(), "b.gif"), grid=20)
    >>> _ = model.fit(X, y, epochs=2, verbose=0, callbacks=[boundary])
    >>> boundary.frames, boundary.probabilities.shape
    (2, (20, 20, 3))
    """

    def __init__(self, X, y, path, grid=100, lim=None, title="", png_path=None, model=None,
                 from_logits=False, size=3.2, dpi=72, fps=8):
        super().__init__()
        self.X, self.y = np.asarray(X), np.asarray(y)
        if self.X.ndim != 2 or self.X.shape[1] != 2:
            raise ValueError(f"DecisionBoundary: X must hold points of the plane, shape (n, 2), "
                             f"got shape {self.X.shape}; draw two features (or a 2-D embedding)")
        if self.y.ndim == 2 and self.y.shape[1] > 1:
            self.y = self.y.argmax(axis=1)                 # one-hot rows -> class numbers
        self.y = self.y.reshape(len(self.X))
        self.extent = data_extent(self.X) if lim is None else _extent(lim)
        self.path, self.png_path, self.title = path, png_path, title
        self.from_logits, self.size, self.dpi, self.fps = from_logits, size, dpi, fps
        self.xx, self.yy, self.points = decision_grid(grid, self.extent)
        self._given_model = model
        self._fig = self._gif = self._drawn = None
        self.frames = 0
        self.probabilities = None

    def _model(self):
        """The model given as ``model=``, else the one ``fit`` handed to the callback."""
        model = self._given_model or self.model
        if model is None:
            raise RuntimeError(f"{type(self).__name__}: no model; pass model= or use it as a "
                               f"callback of model.fit")
        return model

    def on_train_begin(self, logs=None):
        fig = self._fig = figure(self.size, self.size, self.dpi)
        ax = self._ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
        ax.set_axis_off()
        x0, x1, y0, y1 = self.extent
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
        self._points = self._scatter(ax, self._outputs() == 1)
        self._title = ax.set_title("", fontsize=10)
        # Everything that changes is drawn per frame over a saved empty background.
        self._background = blit_background(fig, [self._points, self._title])
        self._gif = GifWriter(fig, self.path, fps=self.fps)

    def _outputs(self):
        """How many outputs the model has (1: a probability of class 1)."""
        out = predict_probabilities(self._model(), self.points[:1])
        return 1 if out.ndim == 1 else out.shape[-1]

    def _scatter(self, ax, binary):
        if binary:                                  # one output: the article's colours
            return scatter(ax, self.X, self.y, size=9)
        colors = [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in self.y]
        return ax.scatter(self.X[:, 0], self.X[:, 1], c=colors, s=9, edgecolors="black",
                          linewidths=0.6, zorder=3)

    def _draw_prediction(self, p):
        """Replace the last frame's prediction with ``p`` (binary: contours; K classes: colours)."""
        if p.ndim == 2:
            if self._drawn is not None:
                self._drawn.remove()
            self._drawn = self._ax.contourf(self.xx, self.yy, p, levels=np.linspace(0, 1, 11),
                                            cmap=CMAP, alpha=0.45, zorder=1)
        elif self._drawn is None:
            self._drawn = self._ax.imshow(class_colors(p), extent=self.extent, origin="lower",
                                          interpolation="nearest", aspect="auto", zorder=1)
        else:
            self._drawn.set_data(class_colors(p))
        self._drawn.set_animated(True)

    def on_epoch_end(self, epoch, logs=None):
        if self._fig is None:
            self.on_train_begin()
        out = predict_probabilities(self._model(), self.points)
        p = as_probabilities(out, self.from_logits)
        p = p.reshape(self.xx.shape + p.shape[1:])
        self.probabilities = p
        self._draw_prediction(p)
        self._title.set_text(f"{self.title} epoch: {epoch + 1:03d}".strip())
        blit(self._fig, self._background, [self._drawn, self._points, self._title])
        self._gif.grab()
        self.frames += 1

    def on_train_end(self, logs=None):
        if self._gif is None:
            return
        self._gif.finish()
        if self.png_path:
            for a in (self._drawn, self._points, self._title):
                if a is not None:
                    a.set_animated(False)
            save(self._fig, self.png_path, dpi=self.dpi)
        self._fig = self._gif = self._drawn = None
