"""The drawing kit of the figures: Agg figures, saving, GIF frames, blitting.

The article's figures (:mod:`tinygrad_edu.article`) and the training
figures (:mod:`tinygrad_edu.training`: diagnostics, the learning-rate finder,
decision boundaries) share it.  matplotlib is imported only when a figure is
made, and only through its Agg canvas (no pyplot, no global backend switch),
so importing tinygrad_edu costs nothing and works on a machine without a
display.  Pillow writes the GIFs.

An animated figure is drawn once without its moving parts (the
*background*); each frame then restores that background and draws only what
changed (*blitting*), which makes a frame cost a fraction of a full redraw.

Examples
--------
>>> import tempfile, os
>>> fig = figure(2, 2)
>>> ax = fig.add_subplot()
>>> _ = ax.plot([0, 1], [1, 0])
>>> path = save(fig, os.path.join(tempfile.mkdtemp(), "line.png"), dpi=50)
>>> path.endswith("line.png") and os.path.getsize(path) > 0
True
"""
from __future__ import annotations

import importlib
import os

import numpy as np

__all__ = ["CMAP", "require", "figure", "save", "scatter", "GifWriter", "blit_background",
           "blit"]

#: The colormap of the article's class colours.
CMAP = "Spectral"


def require(module, what):
    """Import ``module`` or explain which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the '{module.split('.')[0]}' package, which is not "
                          f"installed: pip install 'tinygrad_edu[viz]' (or make install)") from None


def figure(width, height, dpi=100):
    """A matplotlib Figure on an Agg canvas (no pyplot, no global state)."""
    FigureCanvasAgg = require("matplotlib.backends.backend_agg",
                              "drawing figures").FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save(fig, path, **kw):
    """Write ``fig`` to ``path`` (its folder is created); returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, **kw)
    return path


def scatter(ax, X, y, size=20):
    """The points ``X`` coloured by their 0/1 labels ``y``, with black edges, above the rest."""
    return ax.scatter(X[:, 0], X[:, 1], c=np.ravel(y), s=size, cmap=CMAP, edgecolors="black",
                      linewidths=0.6, vmin=0, vmax=1, zorder=3)


class GifWriter:
    """Frames of one Agg figure, written as a looping GIF with Pillow.

    ``grab()`` copies the canvas's pixel buffer as it is (the caller has drawn
    it, fully or by blitting), so a frame costs a memory copy, not a savefig.
    """

    def __init__(self, fig, path, fps=8):
        require("PIL.Image", "writing GIF animations")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.fig, self.path, self.duration = fig, path, int(round(1000 / fps))
        self.images = []

    def grab(self):
        """Add the canvas as it is now as the next frame."""
        from PIL import Image
        rgba = np.asarray(self.fig.canvas.buffer_rgba())
        self.images.append(Image.fromarray(np.ascontiguousarray(rgba[..., :3])))

    @property
    def frames(self):
        """The number of frames grabbed so far."""
        return len(self.images)

    def finish(self):
        """Write the GIF (128 colours per frame, looping) and return its path."""
        first, *rest = [im.quantize(colors=128, method=0, dither=0) for im in self.images]
        first.save(self.path, save_all=True, append_images=rest, duration=self.duration, loop=0)
        self.images = []
        return self.path


def blit_background(fig, artists):
    """Draw ``fig`` without ``artists`` and return the saved pixels (for blitting)."""
    for a in artists:
        a.set_animated(True)
    fig.canvas.draw()
    return fig.canvas.copy_from_bbox(fig.bbox)


def blit(fig, background, artists):
    """Restore ``background`` and draw only ``artists`` on top: a cheap frame."""
    fig.canvas.restore_region(background)
    for a in artists:
        fig.draw_artist(a)
