"""The figures of training's tools: :class:`Diagnostics` and the learning-rate range test.

Both are drawn with the Agg kit of :mod:`tinygrad_edu.drawing` (matplotlib
only when a figure is made) and written as PNG files; each function returns
the path it wrote.
"""
from __future__ import annotations

import numpy as np

from ..drawing import figure, save

__all__ = ["plot_diagnostics", "plot_lr_finder"]

#: Unit states in the unit map: moving, dead (ReLU), saturated (sigmoid/tanh).
UNIT_COLORS = ("#e8eef4", "#111111", "#f28e2b")


def _positive(values, floor):
    """``values`` with zeros (and below) raised to ``floor``, so a log axis can show them."""
    return np.where(np.asarray(values) > 0, values, floor)


def _floor(table):
    """Where a log axis shows the exact zeros of ``table``: a decade below its smallest value."""
    finite = table[np.isfinite(table) & (table > 0)]
    return 10 ** np.floor(np.log10(finite.min() if finite.size else 1.0) - 1)


def _mark_zeros(ax, table, floor, x):
    """A red line at ``floor`` labelled as the zeros, when ``table`` has any."""
    if (table[np.isfinite(table)] == 0).any():
        ax.axhline(floor, color="#d7191c", ls=":", lw=1)
        ax.text(x, floor * 1.5, "0: nothing at all", color="#d7191c", fontsize=7)


def _gradient_flow(fig, ax, diag):
    """Panel 1: the gradient norm of every layer, one line per epoch (early dark, late yellow)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    norms = diag.table("grad_norm")
    floor = _floor(norms)
    layers = np.arange(len(diag.layers))
    epochs = norms.shape[1]
    cmap, norm = colormaps["viridis"], Normalize(1, max(epochs, 2))
    for e in range(epochs):
        ax.plot(layers, _positive(norms[:, e], floor), color=cmap(norm(e + 1)), lw=1,
                marker="o", ms=2.5, alpha=0.85)
    _mark_zeros(ax, norms, floor, layers[0])
    ax.set(yscale="log", title="Gradient flow: |grad| of each layer", ylabel="gradient norm")
    ax.set_xticks(layers, diag.layers, rotation=30, fontsize=7)
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label="epoch", pad=0.02)


def _update_ratios(ax, diag):
    """Panel 2: each layer's update-to-weight ratio over the epochs, with the 1e-3 guide."""
    ratios = diag.table("update_ratio")
    floor = min(_floor(ratios), 1e-4)
    epochs = np.arange(1, ratios.shape[1] + 1)
    for name, row in zip(diag.layers, ratios):
        if np.isfinite(row).any():
            ax.plot(epochs, _positive(row, floor), lw=1.2, label=name)
    ax.axhline(1e-3, color="gray", ls="--", lw=1)
    _mark_zeros(ax, ratios, floor, epochs[0])
    ax.set(yscale="log", xlabel="epoch", title="Update / weight ratio per step")
    top = np.log10(ax.get_ylim()[1])
    above = top + 3 > 0.12 * (top - np.log10(ax.get_ylim()[0]))     # room above the line?
    ax.text(epochs[-1], 1.15e-3 if above else 0.87e-3, "1e-3, a rule of thumb", fontsize=7,
            color="gray", ha="right", va="bottom" if above else "top", clip_on=True)
    _whole_epochs(ax)
    ax.legend(fontsize=6, ncol=2, loc="best")


def _whole_epochs(ax):
    """Epoch ticks at whole numbers only."""
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _unit_states(diag):
    """``(rows, layer spans)``: per unit, its state in every epoch (0 moving, 1 dead, 2 saturated)."""
    rows, spans = [], []
    for name in diag.layers:
        n = diag.units.get(name)
        if not n:
            continue
        h = diag.history[name]
        state = np.zeros((n, len(diag.epoch)), dtype=int)
        for e, (dead, sat) in enumerate(zip(h["dead_units"], h["saturated_units"])):
            state[dead, e] = 1
            state[sat, e] = 2
        spans.append((name, len(rows), n))
        rows.extend(state)
    return np.array(rows), spans


def _unit_map(ax, diag):
    """Panel 3: every unit (rows, grouped by layer) in every epoch: moving, dead or saturated."""
    from matplotlib.colors import ListedColormap
    states, spans = _unit_states(diag)
    if not spans:
        ax.text(0.5, 0.5, "no ReLU, sigmoid or tanh layer", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    epochs = states.shape[1]
    ax.imshow(states, cmap=ListedColormap(UNIT_COLORS), vmin=0, vmax=2, aspect="auto",
              interpolation="nearest", extent=(0.5, epochs + 0.5, len(states) - 0.5, -0.5))
    for _, start, _ in spans[1:]:
        ax.axhline(start - 0.5, color="white", lw=2)
    ax.set_yticks([start + (n - 1) / 2 for _, start, n in spans],
                  [f"{name} ({n})" for name, _, n in spans], fontsize=7)
    ax.set(xlabel="epoch")
    _whole_epochs(ax)
    ax.set_title("Every unit in every epoch: learning (light), dead -- 0 on every sample (black), "
                 "saturated on every sample (orange)", fontsize=10)


def _value_ticks(ax, edges):
    """A few ticks; one "all ~ v" tick when every value is (nearly) the same ``v``."""
    lo, hi = float(edges[0]), float(edges[-1])
    if hi - lo < 1e-3 * max(1.0, abs(lo), abs(hi)):
        ax.set_xticks([(lo + hi) / 2], [f"all ~ {(lo + hi) / 2:.4g}"])
    else:
        ax.locator_params(axis="x", nbins=4)
        ax.xaxis.set_major_formatter("{x:.3g}")


def _histograms(fig, cell, diag):
    """Panel 3: each layer's outputs in the last epoch, one small histogram per layer.

    The exact zeros of a ReLU layer are left out of its histogram and given
    as a share instead: they would dwarf the rest.
    """
    shown = [(name, diag.history[name]) for name in diag.layers
             if diag.history[name]["activation_hist"][-1] is not None]
    if not shown:
        return
    axes = cell.subgridspec(len(shown), 1, hspace=1.1).subplots(squeeze=False)[:, 0]
    axes[0].set_title("Outputs in the last epoch", fontsize=12, pad=16)
    for ax, (name, h) in zip(axes, shown):
        counts, edges = h["activation_hist"][-1]
        counts, zeros = counts.astype(float), h["zero_fraction"][-1]
        if zeros > 0:                            # take the zeros out of the bin holding 0
            k = min(max(np.searchsorted(edges, 0.0, side="right") - 1, 0), len(counts) - 1)
            counts[k] = max(counts[k] - round(zeros * counts.sum()), 0)
        ax.stairs(counts, edges, fill=True, color="#2b83ba", alpha=0.75)
        ax.set_yticks([])
        _value_ticks(ax, edges)
        ax.tick_params(axis="x", labelsize=6, pad=1)
        note = f"  ({100 * zeros:.0f}% exactly 0)" if zeros > 0.005 else ""
        ax.text(0, 1.08, name + note, transform=ax.transAxes, fontsize=6.5)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)


def plot_diagnostics(diag, path, title=None, dpi=72):
    """The figure of a :class:`~tinygrad_edu.training.Diagnostics` run, written to ``path``.

    Four panels: the gradient flow (each layer's gradient norm, one line per
    epoch, on a log scale: a vanishing gradient falls towards the first
    layers, a dead layer drops to the red "no gradient" line), the
    update-to-weight ratios over the epochs, the unit map (every unit of the
    ReLU, sigmoid and tanh layers, per epoch: dead in black, saturated in
    orange) and the output histograms of the last batch.

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import build_model, load_circles
    >>> from tinygrad_edu.training import Diagnostics
    >>> X, _, y, _ = load_circles(seed=0)
    >>> diag = Diagnostics()
    >>> _ = build_model().fit(X[:256], y[:256], epochs=2, verbose=0, callbacks=[diag])
    >>> path = plot_diagnostics(diag, os.path.join(tempfile.mkdtemp(), "diag.png"))
    >>> open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    if not diag.epoch:
        raise ValueError("plot_diagnostics: nothing recorded yet; train with the Diagnostics "
                         "callback (or call observe() and end_epoch()) first")
    fig = figure(11, 6.4, dpi=dpi)
    # fixed margins (tight_layout would measure every tick label: most of the drawing time)
    grid = fig.add_gridspec(2, 3, height_ratios=(1, 0.9), left=0.08, right=0.985, bottom=0.12,
                            top=0.88 if title else 0.93, hspace=0.42, wspace=0.28)
    _gradient_flow(fig, fig.add_subplot(grid[0, 0]), diag)
    _update_ratios(fig.add_subplot(grid[0, 1]), diag)
    _histograms(fig, grid[0, 2], diag)
    _unit_map(fig.add_subplot(grid[1, :]), diag)
    if title:
        fig.suptitle(title, fontsize=11)
    return save(fig, path, dpi=dpi)


def plot_lr_finder(result, path, dpi=80):
    """The learning-rate range test: the loss against the rate, the minimum and the suggestion.

    ``result`` is what :func:`~tinygrad_edu.training.find_lr` returns.
    """
    fig = figure(6, 3.6, dpi=dpi)
    ax = fig.add_subplot()
    ax.plot(result.lrs, result.raw_losses, color="0.75", lw=0.8, label="batch loss")
    ax.plot(result.lrs, result.losses, color="#2b83ba", lw=2, label="smoothed loss")
    if result.min_lr is not None:
        ax.axvline(result.min_lr, color="0.4", ls=":", lw=1,
                   label=f"lowest smoothed loss at {result.min_lr:.1e}")
        ax.axvline(result.suggestion, color="#d7191c", ls="--", lw=1.5,
                   label=f"suggestion: {result.suggestion:.1e} (10x lower)")
    first = result.losses[0] if result.losses else 1.0
    ax.set(xscale="log", xlabel="learning rate", ylabel="loss", ylim=(0, 2 * first),
           title="Learning-rate range test")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return save(fig, path, dpi=dpi)
