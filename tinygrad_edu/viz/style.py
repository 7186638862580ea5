"""What the drawings look like: node styles, the gradient colour scale, numbers as text.

Step 4 of drawing a graph (the views, ``viz.forward`` and ``viz.backward``)
takes its looks from here:

* ``ROLE_STYLE``, ``OP_STYLE``, ``GROUP_STYLE``: the forward view's boxes
  (green inputs, blue parameters, yellow ops, ...; see ``docs/graphs.md``);
* ``GRAD_BINS``, :func:`gradient_color` and :class:`GradScale`: the backward
  view's colour scale, seven colours spread over the gradient norms of the
  graph drawn (or one per decade, ``grad_scale='absolute'``), grey for
  exactly zero;
* :func:`_summary`, :func:`_norm`, ...: how values and gradients are written
  in the labels (all values of a tiny tensor, else min / mean / max).
"""
from __future__ import annotations

import math

import numpy as np

# ----------------------------------------------------------------- styles --
ROLE_STYLE = {
    "input": {"fillcolor": "#d9f0d3", "style": "rounded,filled"},
    "parameter": {"fillcolor": "#c6dbef", "style": "rounded,filled"},
    "constant": {"fillcolor": "#f0f0f0", "style": "rounded,filled", "fontcolor": "#636363",
                 "color": "#969696"},
    "intermediate": {"fillcolor": "white", "style": "rounded,filled"},
    "output": {"fillcolor": "#fdd0a2", "style": "rounded,filled,bold"},
}
OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#fff5c2"}
GROUP_STYLE = {"shape": "box3d", "style": "filled", "fillcolor": "#ffe08a"}

# ----------------------------------------------------------- colour scale --
#: Colour scale of the backward view: (lower bound of the gradient norm, fill
#: colour, font colour, edge pen width).  One bin per decade from 1 down to
#: 1e-5; smaller non-zero norms share the palest bin.  Exactly zero and
#: non-finite gradients have colours of their own (ZERO_COLOR, NONFINITE_COLOR).
GRAD_BINS = (                          # ColorBrewer YlOrRd: dark red = large, yellow = tiny
    (1.0, "#800026", "white", 3.5),
    (1e-1, "#bd0026", "white", 3.0),
    (1e-2, "#e31a1c", "white", 2.5),
    (1e-3, "#fc4e2a", "white", 2.0),
    (1e-4, "#fd8d3c", "black", 1.6),
    (1e-5, "#feb24c", "black", 1.3),
    (0.0, "#ffeda0", "black", 1.0),
)
ZERO_COLOR = "#bdbdbd"
NONFINITE_COLOR = "#e7298a"


def gradient_color(norm):
    """Colour of a gradient of norm ``norm`` in the backward view.

    Returns a dict with ``fillcolor``, ``fontcolor``, ``penwidth``, ``style``
    (``'dashed'`` for an exactly-zero gradient) and ``bin`` (a readable name).

    Examples
    --------
    >>> from tinygrad_edu.viz import gradient_color
    >>> gradient_color(0.05)["bin"], gradient_color(0.0)["bin"]
    ('[1e-02, 1e-01)', 'exactly 0')
    """
    if norm is None or not math.isfinite(norm):
        return {"fillcolor": NONFINITE_COLOR, "fontcolor": "white", "penwidth": 3.0,
                "style": "bold", "bin": "nan or inf"}
    if norm == 0:
        return {"fillcolor": ZERO_COLOR, "fontcolor": "#525252", "penwidth": 1.0,
                "style": "dashed", "bin": "exactly 0"}
    upper = None
    for lo, fill, font, pen in GRAD_BINS:
        if norm >= lo:
            if lo == 0.0:
                name = f"(0, {GRAD_BINS[-2][0]:.0e})"
            elif upper is None:
                name = f">= {lo:.0e}"
            else:
                name = f"[{lo:.0e}, {upper:.0e})"
            return {"fillcolor": fill, "fontcolor": font, "penwidth": pen, "style": "solid",
                    "bin": name}
        upper = lo
    raise AssertionError("unreachable: the last bin starts at 0")  # pragma: no cover


def _fill_style(colour):
    """Graphviz ``style`` of a node filled with ``colour`` (from :func:`gradient_color`)."""
    return "filled,dashed" if colour["style"] == "dashed" else "filled"


class GradScale:
    """The backward view's colour scale: absolute decades, or relative to the graph drawn.

    ``kind='absolute'`` is :func:`gradient_color`: one colour per decade of
    the norm (``GRAD_BINS``), the same in every drawing.  ``kind='relative'``
    (the default of ``draw_graph``) spreads the same seven colours over the
    norms that occur in *this* graph, from its smallest non-zero norm (palest)
    to its largest (darkest), in equal steps of log(norm) -- so a graph whose
    gradients all lie between 0.02 and 0.8 still shows which are larger.
    Zero is grey and nan / inf magenta in both.

    Examples
    --------
    >>> from tinygrad_edu.viz.style import GradScale
    >>> scale = GradScale([0.02, 0.1, 0.8], kind="relative")
    >>> scale.colour(0.02)["fillcolor"], scale.colour(0.8)["fillcolor"]
    ('#ffeda0', '#800026')
    >>> GradScale(kind="absolute").colour(0.05)["bin"]
    '[1e-02, 1e-01)'
    """

    def __init__(self, norms=(), kind="relative"):
        if kind not in ("relative", "absolute"):
            raise ValueError(f"draw_graph: grad_scale must be 'relative' or 'absolute', got {kind!r}")
        logs = [math.log10(v) for v in norms if v is not None and math.isfinite(v) and v > 0]
        self.kind = kind
        self.lo, self.hi = (min(logs), max(logs)) if logs else (0.0, 0.0)
        self.palette = [b[1:] for b in reversed(GRAD_BINS)]     # (fill, font, pen), palest first

    def _bin(self, norm):
        """Index into the palette (0 palest) of a finite, positive ``norm``."""
        span = self.hi - self.lo
        if span < 1e-9:
            return len(self.palette) - 1
        t = (math.log10(norm) - self.lo) / span
        return min(len(self.palette) - 1, max(0, int(t * len(self.palette))))

    def _range(self, j):
        """The norms of bin ``j``, as text: ``0.021 - 0.035``."""
        span = self.hi - self.lo
        if span < 1e-9:
            return f"{10 ** self.hi:.2g}"
        w = span / len(self.palette)
        return f"{10 ** (self.lo + j * w):.2g} - {10 ** (self.lo + (j + 1) * w):.2g}"

    def colour(self, norm):
        """A dict as :func:`gradient_color` returns, for a gradient of norm ``norm``."""
        if self.kind == "absolute" or norm is None or not math.isfinite(norm) or norm == 0:
            return gradient_color(norm)
        j = self._bin(norm)
        fill, font, pen = self.palette[j]
        return {"fillcolor": fill, "fontcolor": font, "penwidth": pen, "style": "solid",
                "bin": self._range(j)}

    def legend(self):
        """``[(label, colour dict), ...]``: the bins in use, palest first, then 0 and nan / inf."""
        if self.kind == "absolute":
            samples = [lo * 2 if lo else 1e-7 for lo, *_ in reversed(GRAD_BINS)]
        elif self.hi - self.lo < 1e-9:
            samples = [10 ** self.hi]
        else:
            w = (self.hi - self.lo) / len(self.palette)
            samples = [10 ** (self.lo + (j + 0.5) * w) for j in range(len(self.palette))]
        samples += [0.0, float("nan")]
        return [(self.colour(v)["bin"], self.colour(v)) for v in samples]

    def node(self, norm):
        """Attributes of a backward-view node whose gradient has norm ``norm``."""
        c = self.colour(norm)
        return {"fillcolor": c["fillcolor"], "fontcolor": c["fontcolor"], "style": _fill_style(c),
                "tooltip": f"gradient norm {norm:.3g} (bin {c['bin']})"}

    def edge(self, norm):
        """Attributes of a backward-view edge carrying a gradient of norm ``norm``."""
        c = self.colour(norm)
        return {"color": c["fillcolor"] if c["style"] != "dashed" else "#969696",
                "penwidth": str(c["penwidth"]), "style": c["style"],
                "tooltip": f"gradient norm {norm:.3g} (bin {c['bin']})"}


# ---------------------------------------------------------------- numbers --
def _fmt(v):
    """A number with 3 significant digits: ``0.123``, ``1.5e-05``."""
    return f"{float(v):.3g}"


def _summary(a, max_values):
    """The values themselves for a tiny array, else min / mean / max."""
    a = np.asarray(a)
    if a.size == 0:
        return "empty"
    with np.errstate(all="ignore"):
        if a.size <= max_values:
            if a.size == 1:                               # fast path: array2string is slow
                return "[" * a.ndim + _fmt(a.reshape(-1)[0]) + "]" * a.ndim
            return np.array2string(a, precision=3, separator=", ", suppress_small=True,
                                   max_line_width=10_000).replace("\n", "")
        if a.dtype.kind == "b":
            return f"{int(a.sum())} of {a.size} true"
        return f"min {_fmt(a.min())}  mean {_fmt(a.mean(dtype=np.float64))}  max {_fmt(a.max())}"


def _norm(a):
    """The Euclidean norm of all entries of ``a``, in float64 (inf or nan if one is)."""
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.sum(np.square(np.asarray(a, dtype=np.float64)))))


def _zero_units(g):
    """Indices along the last axis where the whole gradient slice is exactly 0 (dead units)."""
    g = np.asarray(g)
    if g.ndim == 0 or g.shape[-1] < 2:
        return []
    dead = np.all(g.reshape(-1, g.shape[-1]) == 0, axis=0)
    return np.flatnonzero(dead).tolist()


_DTYPE_NAMES = {}                      # dtype -> str(dtype), which is slow to recompute


def _shape_str(t):
    """Shape and dtype of tensor ``t``: ``(4, 6) float32``."""
    dt = t._data.dtype
    name = _DTYPE_NAMES.get(dt)
    if name is None:
        name = _DTYPE_NAMES[dt] = str(dt)
    return f"{t._data.shape} {name}"
