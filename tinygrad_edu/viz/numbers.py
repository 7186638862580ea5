"""Arrays as a learner reads them: every number of a small one, shape and statistics of a large one.

:func:`describe` turns an array into a plain dict (what ``explain`` prints
and the explorer's page shows, as JSON): its shape and dtype, then either
``values`` (all its numbers, as text) or ``stats`` (min, mean, max, std,
norm, how many are exactly zero) and a 12-bin ``hist``.  :func:`as_text` writes
such a dict on one line; :func:`operand` writes an array inside a formula
(``0.25``, ``[0.5, -1.]``, or ``[8×4 array]`` when it is large).

Examples
--------
>>> import numpy as np
>>> from tinygrad_edu.viz.numbers import as_text, describe, operand
>>> as_text(describe(np.array([0.5, -1.0], np.float32), max_values=4))
'[0.5, -1]'
>>> as_text(describe(np.arange(-2.0, 10.0).reshape(3, 4), max_values=4))
'[3×4 array] min -2  mean 3.5  max 9  |·| 17.03  (1 zero)'
>>> operand(np.ones((8, 1)), max_values=4), operand(np.array([[0.25]]), max_values=4)
('[8×1 array]', '0.25')
"""
from __future__ import annotations

import numpy as np

__all__ = ["describe", "as_text", "operand", "HIST_BINS"]

HIST_BINS = 12


def _g(v):
    """A number with 4 significant digits (``0.1235``, ``-2e-05``, ``nan``)."""
    return f"{float(v):.4g}"


def _array_text(a):
    """All the numbers of ``a`` (4 significant digits), NumPy-style, on as few lines as it takes."""
    with np.errstate(all="ignore"):
        return np.array2string(a, separator=", ", max_line_width=78, threshold=10 ** 6,
                               formatter={"float_kind": _g})


def _stats(a):
    """min, mean, max, std and norm (as text), and how many entries are exactly zero."""
    f = a.astype(np.float64)
    with np.errstate(all="ignore"):
        return {"min": _g(f.min()), "mean": _g(f.mean()), "max": _g(f.max()),
                "std": _g(f.std()), "norm": _g(np.sqrt(np.sum(f * f))),
                "zeros": int(np.count_nonzero(f == 0))}


def _hist(a):
    """Counts of the finite entries in HIST_BINS equal bins between their min and max."""
    f = a.astype(np.float64).ravel()
    f = f[np.isfinite(f)]
    if f.size == 0:
        return {"counts": [], "lo": "nan", "hi": "nan"}
    lo, hi = float(f.min()), float(f.max())
    counts, _ = np.histogram(f, bins=HIST_BINS, range=(lo, hi if hi > lo else lo + 1.0))
    return {"counts": counts.tolist(), "lo": _g(lo), "hi": _g(hi)}


def describe(a, max_values=16):
    """A plain dict that says what array ``a`` holds (see the module docstring).

    Parameters
    ----------
    a : array_like
    max_values : int
        Arrays with at most this many entries are given in full (``values``);
        larger ones by ``stats`` and ``hist``.

    Returns
    -------
    dict
        ``shape`` (list), ``dtype`` (str), ``size``, and ``values`` (text)
        or ``stats`` and ``hist``.
    """
    a = np.asarray(a)
    out = {"shape": list(a.shape), "dtype": str(a.dtype), "size": int(a.size)}
    if a.size <= max_values or a.dtype.kind == "b" and a.size <= 4 * max_values:
        out["values"] = _array_text(a)
    elif a.dtype.kind == "b":
        out["stats"] = {"true": int(a.sum())}
    else:
        out["stats"] = _stats(a)
        out["hist"] = _hist(a)
    return out


def _shape_tag(shape):
    """``[8×4 array]`` for shape (8, 4)."""
    return "[" + "×".join(str(n) for n in shape) + " array]" if shape else "[scalar]"


def as_text(desc):
    """One line for a :func:`describe` dict: the numbers, or the shape and statistics."""
    if "values" in desc:
        return " ".join(desc["values"].split())
    s = desc["stats"]
    if "true" in s:
        return f"{_shape_tag(desc['shape'])} {s['true']} of {desc['size']} true"
    text = f"{_shape_tag(desc['shape'])} min {s['min']}  mean {s['mean']}  max {s['max']}  " \
           f"|·| {s['norm']}"
    zeros = s["zeros"]
    return text + (f"  ({zeros} zero{'s' if zeros > 1 else ''})" if zeros else "")


def operand(a, max_values=16):
    """Array ``a`` inside a formula: a number, all its numbers, or ``[8×4 array]``."""
    a = np.asarray(a)
    if a.size == 1:
        v = a.reshape(-1)[0]
        return str(bool(v)) if a.dtype.kind == "b" else _g(v)
    if a.size <= max_values:
        return " ".join(_array_text(a).split())
    return _shape_tag(a.shape)
