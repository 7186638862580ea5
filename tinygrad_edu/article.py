"""The article, reproduced: its recipe, its math checks and its figures.

"Deep Dive into Math Behind Deep Networks" trains a 2-4-6-6-4-1 network on two
noisy circles in five lines of Keras, then explains the math those lines hide.
This module holds everything needed to redo that with tinygrad_edu:

- the recipe (:data:`RECIPE`, :func:`load_circles`, :func:`build_model`), from
  :mod:`tinygrad_edu.recipe`;
- the checks the article does by hand, done by our autodiff instead
  (:func:`activation_derivatives`, :func:`check_activation_derivatives`,
  :func:`output_layer_dz`, :func:`descend_sine_fit`);
- one function (or training callback) per figure, each writing a file and
  returning its path: :func:`plot_dataset` (figure 1),
  :func:`plot_architecture` (2), :class:`DecisionRegions` (3, a GIF drawn
  after every epoch; :func:`plot_decision_regions` draws one frame),
  :func:`plot_neuron_graph` (4), :func:`plot_layer_graph` (5),
  :func:`plot_activations` (6), :class:`TrainingCurves` (7, PNG + GIF),
  :func:`plot_loss_surface` (8), :func:`plot_network_graphs` (9);
- :func:`run_demo`, the main job behind ``tinygrad-edu demo``.

matplotlib is imported lazily and only through its Agg canvas (no pyplot, no
global backend switch), so importing this module costs nothing and works on a
machine without a display.  Every figure function takes ``path`` and returns
the path it wrote.
"""
from __future__ import annotations

import os
import time

import numpy as np

from .autograd import no_grad
from .autograd import grad as _grad
from .recipe import ARCHITECTURE, DEMO_SEED, RECIPE, build_model, load_circles, train_article_model
from .tensor import Tensor

__all__ = [
    "RECIPE", "ARCHITECTURE", "DEMO_SEED", "load_circles", "build_model",
    "activation_derivatives", "check_activation_derivatives", "output_layer_dz",
    "sine_data", "descend_sine_fit", "sine_loss_surface",
    "plot_dataset", "plot_architecture", "plot_activations", "plot_loss_surface",
    "plot_neuron_graph", "plot_layer_graph", "plot_network_graphs", "plot_decision_regions",
    "DecisionRegions", "TrainingCurves", "decision_grid", "example_parser",
    "train_article_model", "run_demo",
]

_CMAP = "Spectral"


# ---------------------------------------------------- checks by autodiff ----
def _closed_forms():
    def sig(z):
        return 1.0 / (1.0 + np.exp(-z))
    return {
        "sigmoid": (lambda z: z.sigmoid(), sig, lambda z: sig(z) * (1 - sig(z))),
        "tanh": (lambda z: z.tanh(), np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "ReLU": (lambda z: z.relu(), lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
        "leaky ReLU": (lambda z: z.leaky_relu(0.01), lambda z: np.where(z > 0, z, 0.01 * z),
                       lambda z: np.where(z > 0, 1.0, 0.01)),
    }


def activation_derivatives(z=None):
    """Each activation and its derivative, the derivative computed by autodiff.

    Parameters
    ----------
    z : array_like, optional
        Points to evaluate at (default: 401 points on [-10, 10], which include
        0, where ReLU's derivative is taken as 0 like the article's ``z > 0``).

    Returns
    -------
    dict
        ``name -> (z, g(z), g'(z) by autodiff, g'(z) closed form)``, NumPy
        float64 arrays.  Nothing in our code types the derivative in: it is
        ``z.grad`` after ``g(z).sum().backward()`` (each output depends on its
        own input only, so the gradient of the sum is the derivative).

    Examples
    --------
    >>> d = activation_derivatives([-1.0, 0.0, 2.0])
    >>> d["ReLU"][2].tolist(), d["leaky ReLU"][2].tolist()
    ([0.0, 0.0, 1.0], [0.01, 0.01, 1.0])
    """
    z = np.linspace(-10, 10, 401) if z is None else np.asarray(z, dtype=np.float64)
    out = {}
    for name, (ours, value, closed) in _closed_forms().items():
        t = Tensor(z, dtype="float64", requires_grad=True)
        y = ours(t)
        y.sum().backward()
        out[name] = (z, y.numpy(), t.grad.numpy(), closed(z))
    return out


def check_activation_derivatives(z=None, atol=1e-10):
    """Check every autodiff derivative against its closed form; return the max error.

    Raises ``AssertionError`` naming the activation when one does not match.

    Examples
    --------
    >>> check_activation_derivatives() < 1e-10
    True
    """
    worst = 0.0
    for name, (zz, _, ours, closed) in activation_derivatives(z).items():
        err = float(np.max(np.abs(ours - closed)))
        if not err <= atol:
            raise AssertionError(f"{name}: autodiff derivative differs from the closed form "
                                 f"by {err:.3g} (> {atol})")
        worst = max(worst, err)
    return worst


def output_layer_dz(a_prev, w, b, y):
    """dJ/dZ of a sigmoid output layer under mean binary cross-entropy, by autodiff.

    ``Z = A_prev @ W + b``, ``Y_hat = sigmoid(Z)``, ``J = BCE(Y_hat, Y)`` (a mean
    over the m samples).  Returns ``(dZ, Y_hat)`` as NumPy arrays; the article
    derives ``dZ = Y_hat - Y`` by hand, which with the mean becomes
    ``(Y_hat - Y) / m``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A, W, y = rng.normal(size=(5, 3)), rng.normal(size=(3, 1)), rng.integers(0, 2, (5, 1))
    >>> dZ, y_hat = output_layer_dz(A, W, np.zeros(1), y)
    >>> bool(np.allclose(dZ, (y_hat - y) / 5))
    True
    """
    from .nn import functional as F
    a = Tensor(a_prev, dtype="float64")
    w = Tensor(w, dtype="float64", requires_grad=True)
    b = Tensor(b, dtype="float64", requires_grad=True)
    z = a @ w + b
    z.retain_grad()
    y_hat = z.sigmoid()
    F.binary_cross_entropy(y_hat, Tensor(y, dtype="float64"), eps=1e-15).backward()
    return z.grad.numpy(), y_hat.numpy()


# ----------------------------------------------- figure 8: sin(b cos(a x)) ---
SINE = dict(a=1.2, b=2.5, n=200, noise=0.1, start=(-1.0, -1.5), lr=0.04, steps=180, lim=5.0)


def sine_data(seed=DEMO_SEED, n=SINE["n"], a=SINE["a"], b=SINE["b"], noise=SINE["noise"]):
    """``n`` points of ``y = sin(b cos(a x)) + noise`` with x evenly spaced in [-1, 1]."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n)
    return x, np.sin(b * np.cos(a * x)) + noise * rng.standard_normal(n)


def _sine_model(a, b, x):
    return (b * (a * x).cos()).sin()          # sin and cos are primitives in ops.py


def descend_sine_fit(x, y, start=SINE["start"], lr=SINE["lr"], steps=SINE["steps"]):
    """Plain gradient descent on the MSE of ``sin(b cos(a x))``; gradients by autodiff.

    Returns ``(path, losses)``: ``path[k]`` is (a, b) after k steps
    (``steps + 1`` rows), ``losses[k]`` the MSE there.

    Examples
    --------
    >>> x, y = sine_data(seed=0)
    >>> path, losses = descend_sine_fit(x, y, steps=5)
    >>> path.shape, bool(losses[-1] < losses[0])
    ((6, 2), True)
    """
    xt, yt = Tensor(x, dtype="float64"), Tensor(y, dtype="float64")
    a = Tensor(start[0], dtype="float64", requires_grad=True)
    b = Tensor(start[1], dtype="float64", requires_grad=True)
    path, losses = [], []
    for _ in range(steps + 1):
        d = _sine_model(a, b, xt) - yt
        loss = (d * d).mean()
        path.append((a.item(), b.item()))
        losses.append(loss.item())
        if len(path) > steps:
            break
        da, db = _grad(loss, [a, b])
        with no_grad():                      # W := W - alpha dW, for W in (a, b)
            a -= lr * da
            b -= lr * db
    return np.array(path), np.array(losses)


def sine_loss_surface(x, y, n=121, lim=SINE["lim"]):
    """The MSE over an ``n`` x ``n`` grid of (a, b) in [-lim, lim]^2 (our ops, no grad).

    Returns ``(a_values, b_values, mse)`` with ``mse[i, j]`` at ``(a_values[j], b_values[i])``.
    """
    av = np.linspace(-lim, lim, n)
    bv = np.linspace(-lim, lim, n)
    with no_grad():
        A = Tensor(av.reshape(1, n, 1), dtype="float64")
        B = Tensor(bv.reshape(n, 1, 1), dtype="float64")
        d = _sine_model(A, B, Tensor(x.reshape(1, 1, -1), dtype="float64")) - \
            Tensor(y.reshape(1, 1, -1), dtype="float64")
        mse = (d * d).mean(axis=-1).numpy()
    return av, bv, mse


# ------------------------------------------------------------ drawing kit ---
def _require(module, what):
    """Import ``module`` or explain which extra to install."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the '{module.split('.')[0]}' package, which is not "
                          f"installed: pip install 'tinygrad_edu[viz]' (or make install)") from None


def _figure(width, height, dpi=100):
    """A matplotlib Figure on an Agg canvas (no pyplot, no global state)."""
    FigureCanvasAgg = _require("matplotlib.backends.backend_agg",
                               "drawing the article's figures").FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path, **kw):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, **kw)
    return path


def _scatter(ax, X, y, size=20):
    return ax.scatter(X[:, 0], X[:, 1], c=np.ravel(y), s=size, cmap=_CMAP, edgecolors="black",
                      linewidths=0.6, vmin=0, vmax=1, zorder=3)


class _GifWriter:
    """Frames of one Agg figure, written as a looping GIF with Pillow.

    ``grab()`` copies the canvas's pixel buffer as it is (the caller has drawn
    it, fully or by blitting), so a frame costs a memory copy, not a savefig.
    """

    def __init__(self, fig, path, fps=8):
        _require("PIL.Image", "writing GIF animations")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.fig, self.path, self.duration = fig, path, int(round(1000 / fps))
        self.images = []

    def grab(self):
        from PIL import Image
        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        self.images.append(Image.fromarray(np.ascontiguousarray(rgba[..., :3])))

    @property
    def frames(self):
        return len(self.images)

    def finish(self):
        first, *rest = [im.quantize(colors=128, method=0, dither=0) for im in self.images]
        first.save(self.path, save_all=True, append_images=rest, duration=self.duration, loop=0)
        self.images = []
        return self.path


def _blit_background(fig, artists):
    """Draw ``fig`` without ``artists`` and return the saved pixels (for blitting)."""
    for a in artists:
        a.set_animated(True)
    fig.canvas.draw()
    return fig.canvas.copy_from_bbox(fig.bbox)


def _blit(fig, background, artists):
    """Restore ``background`` and draw only ``artists`` on top: a cheap frame."""
    fig.canvas.restore_region(background)
    for a in artists:
        fig.draw_artist(a)


# ------------------------------------------------------ figure 1: the data ---
def plot_dataset(X, y, path, title="The training set"):
    """Figure 1: the points of both classes (Spectral colormap, black edges)."""
    fig = _figure(5, 5)
    ax = fig.add_subplot()
    _scatter(ax, np.asarray(X), np.asarray(y))
    ax.set(xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")
    return _save(fig, path, dpi=80, bbox_inches="tight")


# --------------------------------------------- figure 2: the architecture ---
def _layer_sizes(model):
    """[(units, activation name), ...] for the input and every layer, read from the model."""
    sizes = []
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            raise TypeError(f"plot_architecture: layer {layer!r} has no kernel; only Dense "
                            f"layers can be drawn (build the model first)")
        n_in, n_out = kernel.shape
        if not sizes:
            sizes.append((n_in, "input"))
        act = getattr(layer, "activation_name", None) or getattr(layer, "activation", None)
        act = getattr(act, "__name__", act) or "linear"
        sizes.append((n_out, str(act)))
    return sizes


def plot_architecture(model, path, title=None):
    """Figure 2: the network as layers of neurons, drawn from a built model.

    Reads each layer's kernel shape and activation from ``model.layers``, so
    it draws whatever model it is given.
    """
    sizes = _layer_sizes(model)
    widest = max(n for n, _ in sizes)
    fig = _figure(1.3 * len(sizes) + 1, 0.55 * widest + 1.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    xs = np.arange(len(sizes), dtype=float)
    ys = [np.arange(n) - (n - 1) / 2 for n, _ in sizes]
    for i in range(len(sizes) - 1):
        for y0 in ys[i]:
            for y1 in ys[i + 1]:
                ax.plot([xs[i], xs[i + 1]], [y0, y1], color="0.75", lw=0.7, zorder=1)
    colors = {"input": "#fdae61", "relu": "#abdda4", "sigmoid": "#d7191c"}
    for i, (n, act) in enumerate(sizes):
        ax.scatter(np.full(n, xs[i]), ys[i], s=260, c=colors.get(act, "#2b83ba"),
                   edgecolors="black", zorder=2)
        label = f"input\n{n}" if act == "input" else f"Dense {n}\n{act}"
        ax.text(xs[i], -widest / 2 - 0.4, label, ha="center", va="top", fontsize=9)
    n_params = sum(int(np.prod(p.shape)) for p in model.parameters())
    ax.set_title(title or "-".join(str(n) for n, _ in sizes) + f"  ({n_params} parameters)")
    ax.set_ylim(-widest / 2 - 1.4, widest / 2 + 0.2)
    ax.set_xlim(-0.5, xs[-1] + 0.5)
    return _save(fig, path, dpi=80, bbox_inches="tight")


# ------------------------------------ figure 3: decision regions per epoch ---
def decision_grid(n=100, lim=1.5):
    """An ``n`` x ``n`` grid over [-lim, lim]^2: ``(xx, yy, points)``, points of shape (n*n, 2)."""
    g = np.linspace(-lim, lim, n)
    xx, yy = np.meshgrid(g, g)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)


def _predict(model, X):
    """Probabilities from a model with ``predict`` or from any callable on NumPy arrays."""
    if not hasattr(model, "predict"):
        p = model(X)
    else:
        params = _predict_params(model)
        kw = {k: v for k, v in (("verbose", 0), ("batch_size", len(X))) if k in params}
        p = model.predict(X, **kw)         # the whole grid in one batch: one forward pass
    return np.asarray(p.numpy() if isinstance(p, Tensor) else p, dtype=np.float64)


def _predict_params(model):
    import inspect
    try:
        return inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return {}


def plot_decision_regions(model, X, y, path, grid=100, lim=1.5, title="Decision regions"):
    """One frame of figure 3: the probability contours of ``model`` under the points.

    ``model`` has a ``predict`` method or is a function from an (n, 2) array
    to probabilities.
    """
    xx, yy, points = decision_grid(grid, lim)
    p = _predict(model, points).reshape(xx.shape)
    fig = _figure(4, 4)
    ax = fig.add_subplot()
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap=_CMAP, alpha=0.45, zorder=1)
    _scatter(ax, np.asarray(X), np.asarray(y), size=12)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title=title, xlabel="$x_1$", ylabel="$x_2$")
    ax.set_aspect("equal")
    return _save(fig, path, dpi=80, bbox_inches="tight")


def _callback_base():
    try:
        from .training import Callback
    except ImportError:  # pragma: no cover - only while training.py is missing
        return object
    return Callback


class _EpochFigure(_callback_base()):
    """Shared plumbing of the figure callbacks: model lookup and the GIF writer."""

    def _model(self):
        model = self._given_model or getattr(self, "model", None)
        if model is None:
            raise RuntimeError(f"{type(self).__name__}: no model; pass model= or use it as a "
                               f"callback of model.fit")
        return model


class DecisionRegions(_EpochFigure):
    """Figure 3: after every epoch, the predicted probability over a grid, as a GIF.

    A training callback: ``model.fit(..., callbacks=[DecisionRegions(X, y, "out/f.gif")])``.
    After each epoch it predicts on an ``grid`` x ``grid`` mesh over
    [-lim, lim]^2, draws the filled probability contours under the training
    points and grabs the frame; at the end of training it writes the GIF (and
    the last frame as ``png_path`` when given).

    Parameters
    ----------
    X, y : array_like
        The points drawn over the regions (the training set).
    path : str
        Where the GIF goes.
    grid, lim : int, float
        Grid resolution and half-width (the article: 100 and 1.5).
    title : str
        Frame title prefix; frames are titled ``"{title} epoch: 001"`` etc.
    png_path : str, optional
        Also save the final frame as a PNG.
    size, dpi, fps : float, int, int
        Frame size in inches, dots per inch, frames per second.
    """

    def __init__(self, X, y, path, grid=100, lim=1.5, title="tinygrad_edu", png_path=None,
                 model=None, size=3.2, dpi=72, fps=8):
        super().__init__()
        self.X, self.y = np.asarray(X), np.asarray(y)
        self.path, self.png_path, self.title = path, png_path, title
        self.lim, self.size, self.dpi, self.fps = lim, size, dpi, fps
        self.xx, self.yy, self.points = decision_grid(grid, lim)
        self._given_model = model
        self._fig = self._gif = self._contour = None
        self.frames = 0
        self.probabilities = None   # the last grid prediction, shape (grid, grid)

    def on_train_begin(self, logs=None):
        fig = self._fig = _figure(self.size, self.size, self.dpi)
        ax = self._ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
        ax.set_axis_off()
        ax.set(xlim=(-self.lim, self.lim), ylim=(-self.lim, self.lim))
        self._points = _scatter(ax, self.X, self.y, size=9)
        self._title = ax.set_title("", fontsize=10)
        # Everything that changes is drawn per frame over a saved empty background.
        self._background = _blit_background(fig, [self._points, self._title])
        self._gif = _GifWriter(fig, self.path, fps=self.fps)

    def on_epoch_end(self, epoch, logs=None):
        if self._fig is None:
            self.on_train_begin()
        p = _predict(self._model(), self.points).reshape(self.xx.shape)
        self.probabilities = p
        if self._contour is not None:
            self._contour.remove()
        self._contour = self._ax.contourf(self.xx, self.yy, p, levels=np.linspace(0, 1, 11),
                                          cmap=_CMAP, alpha=0.45, zorder=1)
        self._contour.set_animated(True)
        self._title.set_text(f"{self.title} epoch: {epoch + 1:03d}")
        _blit(self._fig, self._background, [self._contour, self._points, self._title])
        self._gif.grab()
        self.frames += 1

    def on_train_end(self, logs=None):
        if self._gif is None:
            return
        self._gif.finish()
        if self.png_path:
            for a in (self._contour, self._points, self._title):
                if a is not None:
                    a.set_animated(False)
            _save(self._fig, self.png_path, dpi=self.dpi)
        self._fig = self._gif = self._contour = None


# ----------------------------------------- figure 7: accuracy and loss ---
class TrainingCurves(_EpochFigure):
    """Figure 7: training accuracy and loss per epoch, drawn as training runs.

    A training callback.  After every epoch it reads ``logs['accuracy']`` and
    ``logs['loss']``, redraws both curves and grabs a GIF frame; at the end of
    training it writes the GIF to ``gif_path`` and the final chart to
    ``png_path``.  ``epochs`` fixes the x axis (default: ``params['epochs']``
    set by ``fit``, else it grows with the run).
    """

    def __init__(self, png_path=None, gif_path=None, epochs=None, size=(6.4, 2.6), dpi=72, fps=8):
        super().__init__()
        self.png_path, self.gif_path = png_path, gif_path
        self.epochs, self.size, self.dpi, self.fps = epochs, size, dpi, fps
        self.accuracy, self.loss = [], []
        self._given_model = None
        self._fig = self._gif = None
        self.frames = 0

    def on_train_begin(self, logs=None):
        params = getattr(self, "params", None) or {}
        self._epochs = self.epochs or params.get("epochs")
        fig = self._fig = _figure(*self.size, dpi=self.dpi)
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
            self._gif = _GifWriter(fig, self.gif_path, fps=self.fps)

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
            self._background = _blit_background(self._fig, self._lines)
        _blit(self._fig, self._background, self._lines)
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
            _save(self._fig, self.png_path, dpi=self.dpi * 1.4)
        self._fig = self._gif = None


# ------------------------------------------------- figure 6: activations ---
def plot_activations(path, z=None):
    """Figure 6: sigmoid, tanh, ReLU and leaky ReLU with their autodiff derivatives.

    The derivative curves are ``z.grad`` from our engine; the closed forms are
    drawn as dots on top, so a mismatch would show.
    """
    data = activation_derivatives(z)
    fig = _figure(10, 2.6)
    axes = fig.subplots(1, 4)
    for ax, (name, (zz, y, dy, closed)) in zip(axes, data.items()):
        ax.plot(zz, y, color="#2b83ba", lw=2, label="g(z)")
        ax.plot(zz, dy, color="#d7191c", lw=2, label="g'(z), autodiff")
        ax.plot(zz[::20], closed[::20], "k.", ms=4, label="g'(z), closed form")
        ax.set(title=name, xlabel="z", xlim=(-10, 10))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return _save(fig, path, dpi=80)


# -------------------------------------------------- figure 8: loss surface ---
def plot_loss_surface(path, seed=DEMO_SEED, grid=121, steps=SINE["steps"], lr=SINE["lr"],
                      start=SINE["start"]):
    """Figure 8: gradient descent on the MSE surface of ``sin(b cos(a x))``.

    Left: the MSE over (a, b) in [-5, 5]^2 with the path of plain gradient
    descent (gradients by autodiff) from ``start``.  Right: the data and the
    fitted curve.  Returns ``(path, info)`` with the final a, b and loss.
    """
    x, y = sine_data(seed)
    trail, losses = descend_sine_fit(x, y, start=start, lr=lr, steps=steps)
    av, bv, mse = sine_loss_surface(x, y, n=grid)
    fig = _figure(10, 4.2)
    ax, ax2 = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=(1.15, 1)))
    cs = ax.contourf(av, bv, mse, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="MSE")
    ax.plot(trail[:, 0], trail[:, 1], color="white", lw=1.5)
    ax.plot(trail[::10, 0], trail[::10, 1], "w.", ms=4)
    ax.plot(*trail[0], "o", color="#fdae61", mec="black", label=f"start {tuple(start)}")
    ax.plot(*trail[-1], "*", color="#d7191c", mec="black", ms=12,
            label=f"after {steps} steps ({trail[-1, 0]:.2f}, {trail[-1, 1]:.2f})")
    ax.plot(SINE["a"], SINE["b"], "x", color="black", ms=8, label="true (1.2, 2.5)")
    ax.set(xlabel="a", ylabel="b", title=f"gradient descent, lr {lr}")
    ax.legend(fontsize=7, loc="lower left")
    ax2.scatter(x, y, s=8, color="0.6", label="data")
    ax2.plot(x, np.sin(trail[-1, 1] * np.cos(trail[-1, 0] * x)), color="#d7191c", lw=2,
             label=f"fit, MSE {losses[-1]:.4f}")
    ax2.plot(x, np.sin(trail[0, 1] * np.cos(trail[0, 0] * x)), "--", color="#fdae61",
             label=f"start, MSE {losses[0]:.3f}")
    ax2.set(xlabel="x", ylabel="y", title="y = sin(b cos(a x)) + noise")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path, dpi=80)
    return path, dict(a=float(trail[-1, 0]), b=float(trail[-1, 1]), loss=float(losses[-1]),
                      start_loss=float(losses[0]))


# ------------------------------------- figures 4 and 9: computation graphs ---
def _neuron():
    """The single neuron of figure 4: y_hat = sigmoid(w^T x + b) and its loss for y = 1."""
    from .nn import functional as F
    x = Tensor([[0.5, -1.0]], name="x")
    w = Tensor([[0.3], [0.8]], requires_grad=True, name="w")
    b = Tensor([0.1], requires_grad=True, name="b")
    z = x @ w + b
    y_hat = z.sigmoid()
    loss = F.binary_cross_entropy(y_hat, Tensor([[1.0]], name="y"))
    loss.name = "loss"
    return loss


def plot_neuron_graph(path, mode="forward", collapse="op"):
    """Figure 4: the computation graph of one neuron, z = w^T x + b, y_hat = g(z).

    Drawn after ``backward(retain_graph=True)``, so the parameters show their
    gradients.  ``collapse='op'`` draws sigmoid and the loss as one box each;
    ``None`` shows every primitive inside them.
    """
    from . import viz
    loss = _neuron()
    loss.backward(retain_graph=True)
    return str(viz.save_graph(loss, path=path, mode=mode, collapse=collapse))


def plot_layer_graph(path, m=5, n_in=2, n_out=4):
    """Figure 5: the graph of one vectorised layer, A = relu(A_prev @ W + b), on ``m`` samples."""
    from . import viz
    rng = np.random.default_rng(0)
    a_prev = Tensor(rng.normal(size=(m, n_in)).astype(np.float32), name="A_prev")
    W = Tensor(rng.normal(size=(n_in, n_out)).astype(np.float32), requires_grad=True, name="W")
    b = Tensor(np.zeros(n_out, dtype=np.float32), requires_grad=True, name="b")
    A = (a_prev @ W + b).relu()
    A.name = "A"
    return str(viz.save_graph(A, path=path, collapse="op", max_values=2))


def plot_network_graphs(model, X, y, forward_path, backward_path, collapse="module"):
    """Figure 9: the forward and the backward graph of the real network on a batch.

    One training step's graphs (``viz.training_step_graphs``): forward with
    every tensor's gradient, then the backward graph coloured by gradient size.
    ``collapse='module'`` draws each Dense layer as one box, like the
    article's figure (A[l-1] -> layer l -> A[l] forward, dA/dW/db back);
    ``'op'`` or ``None`` show the primitives inside.  The model's parameters
    are not changed (no optimizer step).
    """
    from . import viz
    from .nn import functional as F
    X = Tensor(np.asarray(X, dtype=np.float32), name="X")
    y = Tensor(np.asarray(y, dtype=np.float32).reshape(-1, 1), name="Y")
    for p in model.parameters():          # start from clean gradients (fit leaves the last batch's)
        p.grad = None
    fwd, bwd = viz.training_step_graphs(
        model, X, y, F.binary_cross_entropy,
        forward_kwargs=dict(collapse=collapse, max_values=2),
        backward_kwargs=dict(collapse=collapse))
    for p in model.parameters():          # leave no gradients behind
        p.grad = None
    return str(viz.save_graph(fwd, path=forward_path)), str(viz.save_graph(bwd, path=backward_path))


# ---------------------------------------------------------------- examples ---
def example_parser(doc, fast=True):
    """The command line every script in ``examples/`` shares: ``--out``, ``--seed``, ``--fast``."""
    import argparse
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", metavar="DIR",
                        help="output directory (default: out)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, metavar="N",
                        help=f"random seed (default: {DEMO_SEED}, the demo's seed)")
    if fast:
        parser.add_argument("--fast", action="store_true",
                            help="a quick run: few epochs, coarse grids (used by the tests)")
    return parser


# --------------------------------------------------------------- main job ---
def plot_dead_relu_graph(path, seed=0):
    """The backward graph of a small network with a dead ReLU unit: its path is grey.

    This is the article recipe's failure mode (dying ReLU) made visible: a unit
    whose pre-activation is negative for every sample passes no gradient back.
    """
    from . import viz
    return str(viz.save_graph(viz.figures.dead_unit_graph(seed), path))


def _graph_figure(draw, log, *paths):
    """``draw(*paths)``; without Graphviz's ``dot`` program, write the DOT text instead."""
    from .viz import GraphvizNotFoundError
    try:
        return draw(*paths)
    except GraphvizNotFoundError:
        dots = [os.path.splitext(p)[0] + ".dot" for p in paths]
        log("  Graphviz's 'dot' program is not installed (make graphviz installs it): writing "
            "the graph as DOT text instead of SVG")
        return draw(*dots)


def run_demo(out="out", seed=DEMO_SEED, fast=False, verbose=1, log=print):
    """The main job: train the article's model and write every figure to ``out``.

    ``fast`` runs 3 epochs on a 25 x 25 grid with coarse surfaces (for tests).
    Returns a dict with ``files`` (figure name -> path), ``test_accuracy``,
    ``test_loss`` and ``seconds``.
    """
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    epochs, grid = (3, 25) if fast else (RECIPE["epochs"], 100)
    files = {}

    def wrote(key, path):
        files[key] = path
        log(f"  wrote {path}")

    # The same steps as train_article_model (same seed -> same model), with figures between.
    X_train, X_test, y_train, y_test = load_circles(seed)
    log(f"data: {len(X_train)} training and {len(X_test)} test points (make_circles, seed {seed})")
    wrote("fig1_dataset", plot_dataset(X_train, y_train, os.path.join(out, "fig1_dataset.png")))

    model = build_model()
    wrote("fig2_architecture", plot_architecture(model, os.path.join(out, "fig2_architecture.png")))

    regions = DecisionRegions(X_train, y_train, os.path.join(out, "fig3_decision_regions.gif"),
                              grid=grid, png_path=os.path.join(out, "fig3_decision_regions.png"),
                              title="tinygrad_edu")
    curves = TrainingCurves(os.path.join(out, "fig7_training.png"),
                            os.path.join(out, "fig7_training.gif"), epochs=epochs)
    log(f"training 2-4-6-6-4-1 for {epochs} epochs (Adam, batch {RECIPE['batch_size']})")
    model.fit(X_train, y_train, epochs=epochs, batch_size=RECIPE["batch_size"],
              verbose=verbose, callbacks=[regions, curves])
    test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
    log(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f}")
    wrote("fig3_decision_regions", regions.path)
    wrote("fig3_decision_regions_last", regions.png_path)
    wrote("fig7_training", curves.png_path)
    wrote("fig7_training_gif", curves.gif_path)

    wrote("fig4_neuron_graph", _graph_figure(plot_neuron_graph, log,
                                             os.path.join(out, "fig4_neuron_graph.svg")))
    wrote("fig5_layer_graph", _graph_figure(plot_layer_graph, log,
                                            os.path.join(out, "fig5_layer_graph.svg")))

    worst = check_activation_derivatives()
    log(f"activations: autodiff derivatives match the closed forms (max |error| {worst:.1e})")
    wrote("fig6_activations", plot_activations(os.path.join(out, "fig6_activations.png")))

    path, info = plot_loss_surface(os.path.join(out, "fig8_loss_surface.png"), seed=seed,
                                   grid=41 if fast else 121)
    log(f"gradient descent on sin(b cos(a x)): (a, b) = ({info['a']:.3f}, {info['b']:.3f}), "
        f"MSE {info['start_loss']:.3f} -> {info['loss']:.4f}")
    wrote("fig8_loss_surface", path)

    fwd, bwd = _graph_figure(
        lambda f, b: plot_network_graphs(model, X_train[:4], y_train[:4], f, b), log,
        os.path.join(out, "fig9_forward_graph.svg"), os.path.join(out, "fig9_backward_graph.svg"))
    wrote("fig9_forward_graph", fwd)
    wrote("fig9_backward_graph", bwd)
    wrote("dead_relu_backward_graph", _graph_figure(plot_dead_relu_graph, log,
                                                    os.path.join(out, "dead_relu_backward.svg")))
    seconds = time.perf_counter() - t0
    log(f"done in {seconds:.1f} s; {len(files)} files in {out}/")
    return dict(files=files, test_accuracy=float(test_acc), test_loss=float(test_loss),
                seconds=seconds, model=model)
