"""Figures 3 and 7 as training callbacks: drawn after every epoch, saved as GIFs.

Figure 3 is :class:`tinygrad_edu.training.DecisionBoundary`, which draws any
2-D classifier, with the article's frame (:class:`DecisionRegions`).

Give them to ``fit`` like any Keras callback::

    regions = DecisionRegions(X_train, y_train, "out/fig3.gif", png_path="out/fig3.png")
    curves = TrainingCurves("out/fig7.png", "out/fig7.gif")
    model.fit(X_train, y_train, epochs=50, callbacks=[regions, curves])

Each keeps one matplotlib figure for the whole run and redraws only what
changes after an epoch (see :mod:`tinygrad_edu.drawing`), so a frame
costs milliseconds; the GIF (and the last frame as a PNG) is written when
training ends.
"""
from __future__ import annotations

import numpy as np

from ..drawing import GifWriter, blit, blit_background, figure, save
from ..training import Callback, DecisionBoundary

__all__ = ["DecisionRegions", "TrainingCurves"]


# ------------------------------------ figure 3: decision regions per epoch ---
class DecisionRegions(DecisionBoundary):
    """Figure 3: after every epoch, the predicted probability over [-1.5, 1.5]^2, as a GIF.

    :class:`tinygrad_edu.training.DecisionBoundary` with the article's frame:
    the square [-lim, lim]^2 (``lim=1.5``) and frames titled
    ``"tinygrad_edu epoch: 001"``, ...  A training callback:
    ``model.fit(..., callbacks=[DecisionRegions(X, y, "out/f.gif")])``.  The
    parameters are ``DecisionBoundary``'s.

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import build_model, load_circles
    >>> X, _, y, _ = load_circles(seed=0)
    >>> regions = DecisionRegions(X, y, os.path.join(tempfile.mkdtemp(), "fig3.gif"), grid=20)
    >>> _ = build_model().fit(X[:64], y[:64], epochs=2, verbose=0, callbacks=[regions])
    >>> regions.frames, regions.probabilities.shape
    (2, (20, 20))
    """

    def __init__(self, X, y, path, grid=100, lim=1.5, title="tinygrad_edu", png_path=None,
                 model=None, size=3.2, dpi=72, fps=8):
        super().__init__(X, y, path, grid=grid, lim=lim, title=title, png_path=png_path,
                         model=model, size=size, dpi=dpi, fps=fps)


# ----------------------------------------- figure 7: accuracy and loss ---
class TrainingCurves(Callback):
    """Figure 7: training accuracy and loss per epoch, drawn as training runs.

    A training callback.  After every epoch it reads ``logs['accuracy']`` and
    ``logs['loss']``, redraws both curves and grabs a GIF frame; at the end of
    training it writes the GIF to ``gif_path`` and the final chart to
    ``png_path``.  ``epochs`` fixes the x axis (default: ``params['epochs']``
    set by ``fit``, else it grows with the run).

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import build_model, load_circles
    >>> X, _, y, _ = load_circles(seed=0)
    >>> out = tempfile.mkdtemp()
    >>> curves = TrainingCurves(os.path.join(out, "fig7.png"), os.path.join(out, "fig7.gif"))
    >>> history = build_model().fit(X, y, epochs=2, verbose=0, callbacks=[curves])
    >>> curves.loss == history.history["loss"], curves.frames
    (True, 2)
    """

    def __init__(self, png_path=None, gif_path=None, epochs=None, size=(6.4, 2.6), dpi=72, fps=8):
        super().__init__()
        self.png_path, self.gif_path = png_path, gif_path
        self.epochs, self.size, self.dpi, self.fps = epochs, size, dpi, fps
        self.accuracy, self.loss = [], []
        self._fig = self._gif = None
        self.frames = 0

    def on_train_begin(self, logs=None):
        self._epochs = self.epochs or (self.params or {}).get("epochs")
        fig = self._fig = figure(*self.size, dpi=self.dpi)
        self._axes = fig.subplots(1, 2)
        self._lines = []
        for ax, name, color in zip(self._axes, ("accuracy", "loss"), ("#2b83ba", "#d7191c")):
            ax.set(xlabel="epoch", title=f"training {name}")
            ax.grid(alpha=0.3)
            ax.set_xlim(0, (self._epochs or 10) + 1)
            self._lines.append(ax.plot([], [], color=color, lw=2, marker="o", ms=2)[0])
        self._axes[0].set_ylim(0, 1.05)
        self._axes[1].set_ylim(0, 1.0)
        fig.tight_layout()
        self._background = None
        if self.gif_path:
            self._gif = GifWriter(fig, self.gif_path, fps=self.fps)

    def _rescale(self, n):
        """Grow the axes when the data leaves them; True when the background must be redrawn."""
        changed = False
        if n + 1 > self._axes[0].get_xlim()[1]:        # unknown epoch count: double the x axis
            for ax in self._axes:
                ax.set_xlim(0, 2 * n + 1)
            changed = True
        finite = [v for v in self.loss if np.isfinite(v)]
        top = max(finite) * 1.1 if finite else 1.0
        if self._background is None or top > self._axes[1].get_ylim()[1]:
            self._axes[1].set_ylim(0, top)
            changed = True
        return changed

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._fig is None:
            self.on_train_begin()
        self.accuracy.append(float(logs.get("accuracy", np.nan)))
        self.loss.append(float(logs.get("loss", np.nan)))
        ep = np.arange(1, len(self.loss) + 1)
        for line, values in zip(self._lines, (self.accuracy, self.loss)):
            line.set_data(ep, values)
        if self._rescale(len(ep)):
            self._background = blit_background(self._fig, self._lines)
        blit(self._fig, self._background, self._lines)
        if self._gif is not None:
            self._gif.grab()
            self.frames += 1

    def on_train_end(self, logs=None):
        if self._fig is None:
            return
        if self._gif is not None:
            self._gif.finish()
        if self.png_path:
            for line in self._lines:
                line.set_animated(False)
            save(self._fig, self.png_path, dpi=self.dpi * 1.4)
        self._fig = self._gif = None
