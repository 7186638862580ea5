"""Figures 1, 2, 3 (one frame), 6 and 8 of the article, drawn with matplotlib.

Each function writes one image file and returns its path:

* :func:`plot_dataset` (figure 1): the two circles, coloured by class;
* :func:`plot_architecture` (figure 2): the network as layers of neurons,
  read from a built model;
* :func:`plot_decision_regions` (one frame of figure 3): a model's predicted
  probability over a grid (:func:`decision_grid`), under the points;
* :func:`plot_activations` (figure 6): the activations and their autodiff
  derivatives;
* :func:`plot_loss_surface` (figure 8): gradient descent on the MSE surface
  of ``sin(b cos(a x))``.

The animated figures 3 and 7 are training callbacks, in
:mod:`tinygrad_edu.article.callbacks`.
"""
from __future__ import annotations

import numpy as np

from ..drawing import CMAP, figure, save, scatter
from ..recipe import DEMO_SEED
from ..training.decision import decision_grid, predict_probabilities
from .checks import SINE, activation_derivatives, descend_sine_fit, sine_data, sine_loss_surface

__all__ = ["plot_dataset", "plot_architecture", "decision_grid", "predict_probabilities",
           "plot_decision_regions", "plot_activations", "plot_loss_surface"]



# ------------------------------------------------------ figure 1: the data ---
def plot_dataset(X, y, path, title="The training set"):
    """Figure 1: the points of both classes (Spectral colormap, black edges).

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import load_circles
    >>> X_train, _, y_train, _ = load_circles(seed=0)
    >>> path = plot_dataset(X_train, y_train, os.path.join(tempfile.mkdtemp(), "fig1.png"))
    >>> os.path.basename(path)
    'fig1.png'
    """
    fig = figure(5, 5)
    ax = fig.add_subplot()
    scatter(ax, np.asarray(X), np.asarray(y))
    ax.set(xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")
    return save(fig, path, dpi=80, bbox_inches="tight")


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
    it draws whatever model of Dense layers it is given.

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import build_model
    >>> path = plot_architecture(build_model(), os.path.join(tempfile.mkdtemp(), "fig2.png"))
    >>> os.path.getsize(path) > 0
    True
    """
    sizes = _layer_sizes(model)
    widest = max(n for n, _ in sizes)
    fig = figure(1.3 * len(sizes) + 1, 0.55 * widest + 1.6)
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
    return save(fig, path, dpi=80, bbox_inches="tight")


# ------------------------------------ figure 3: decision regions per epoch ---
def plot_decision_regions(model, X, y, path, grid=100, lim=1.5, title="Decision regions"):
    """One frame of figure 3: the probability contours of ``model`` under the points.

    ``model`` has a ``predict`` method or is a function from an (n, 2) array
    to probabilities.

    Examples
    --------
    >>> import os, tempfile
    >>> inside = lambda X: (np.hypot(X[:, 0], X[:, 1]) < 0.6) * 1.0     # a "model" by hand
    >>> X, y = np.array([[0.0, 0.1], [1.0, 0.0]]), np.array([1, 0])
    >>> path = plot_decision_regions(inside, X, y, os.path.join(tempfile.mkdtemp(), "r.png"),
    ...                              grid=20)
    >>> os.path.getsize(path) > 0
    True
    """
    xx, yy, points = decision_grid(grid, lim)
    p = predict_probabilities(model, points).reshape(xx.shape)
    fig = figure(4, 4)
    ax = fig.add_subplot()
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap=CMAP, alpha=0.45, zorder=1)
    scatter(ax, np.asarray(X), np.asarray(y), size=12)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title=title, xlabel="$x_1$", ylabel="$x_2$")
    ax.set_aspect("equal")
    return save(fig, path, dpi=80, bbox_inches="tight")


# ------------------------------------------------- figure 6: activations ---
def plot_activations(path, z=None):
    """Figure 6: sigmoid, tanh, ReLU and leaky ReLU with their autodiff derivatives.

    The derivative curves are ``z.grad`` from our engine; the closed forms are
    drawn as dots on top, so a mismatch would show.

    Examples
    --------
    >>> import os, tempfile
    >>> os.path.basename(plot_activations(os.path.join(tempfile.mkdtemp(), "fig6.png")))
    'fig6.png'
    """
    data = activation_derivatives(z)
    fig = figure(10, 2.6)
    axes = fig.subplots(1, 4)
    for ax, (name, (zz, y, dy, closed)) in zip(axes, data.items()):
        ax.plot(zz, y, color="#2b83ba", lw=2, label="g(z)")
        ax.plot(zz, dy, color="#d7191c", lw=2, label="g'(z), autodiff")
        ax.plot(zz[::20], closed[::20], "k.", ms=4, label="g'(z), closed form")
        ax.set(title=name, xlabel="z", xlim=(-10, 10))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save(fig, path, dpi=80)


# -------------------------------------------------- figure 8: loss surface ---
def plot_loss_surface(path, seed=DEMO_SEED, grid=121, steps=SINE["steps"], lr=SINE["lr"],
                      start=SINE["start"]):
    """Figure 8: gradient descent on the MSE surface of ``sin(b cos(a x))``.

    Left: the MSE over (a, b) in [-5, 5]^2 with the path of plain gradient
    descent (gradients by autodiff) from ``start``.  Right: the data and the
    fitted curve.  Returns ``(path, info)``: ``info`` holds the final ``a``,
    ``b`` and ``loss``, and the ``start_loss``.

    Examples
    --------
    >>> import os, tempfile
    >>> path, info = plot_loss_surface(os.path.join(tempfile.mkdtemp(), "fig8.png"), grid=11,
    ...                                steps=20)
    >>> info["loss"] < info["start_loss"]
    True
    """
    x, y = sine_data(seed)
    trail, losses = descend_sine_fit(x, y, start=start, lr=lr, steps=steps)
    av, bv, mse = sine_loss_surface(x, y, n=grid)
    fig = figure(10, 4.2)
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
    save(fig, path, dpi=80)
    return path, dict(a=float(trail[-1, 0]), b=float(trail[-1, 1]), loss=float(losses[-1]),
                      start_loss=float(losses[0]))
