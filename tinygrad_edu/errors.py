"""Error messages that name the op, the shapes and the fix.

Errors are part of the API: a user who writes ``a + b`` with shapes that do
not broadcast should read "add: shapes (3,) and (4,) cannot be broadcast
together: axis -1 has sizes 3 and 4 ...", not a NumPy traceback from deep
inside.  Every module builds its messages with these helpers; nothing here
knows about tensors or graphs.
"""
from __future__ import annotations

import re

import numpy as np

__all__ = ["tagged_error", "renamed", "axis_message", "broadcast_error", "bounds_error",
           "index_message", "index_hint"]


def tagged_error(err, message, op):
    """A new exception of ``err``'s public type (ValueError, IndexError, TypeError or
    NumPy's AxisError; or ``err`` itself if it is a class) carrying ``message``.

    ``op`` is the op name the message starts with: a composite op that catches
    the error renames it to its own name (see :func:`renamed`).

    Examples
    --------
    >>> e = tagged_error(ValueError("bad"), "add: bad shapes", "add")
    >>> type(e).__name__, str(e)
    ('ValueError', 'add: bad shapes')
    """
    if isinstance(err, type):
        kind = err
    elif isinstance(err, np.exceptions.AxisError):
        kind = np.exceptions.AxisError
    else:
        kind = next(k for k in (IndexError, ValueError, TypeError, type(err)) if isinstance(err, k))
    new = kind(message)
    new._tinygrad_edu = op
    return new


_NAMED = re.compile(r"^[A-Za-z_][\w .,()\[\]=+\-*/<>'-]{0,60}: ")  # "sub: ...", "Mul backward: ..."


def renamed(err, name):
    """``err`` with its leading op name (set by :func:`tagged_error`) replaced by ``name``.

    An error of a primitive inside a derived op ("add: shapes ...") is reported
    under the name the user called ("sub: shapes ...").  A raw NumPy error (no
    ``op:`` prefix) gets ``name:`` put in front of it.

    Examples
    --------
    >>> str(renamed(tagged_error(ValueError, "add: shapes differ", "add"), "sub"))
    'sub: shapes differ'
    """
    op = getattr(err, "_tinygrad_edu", None)
    msg = str(err)
    if op is None and not _NAMED.match(msg):
        return tagged_error(err, f"{name}: {msg}", name)
    if not isinstance(op, str) or op == name or not msg.startswith(op + ":"):
        return err
    return tagged_error(err, name + msg[len(op):], name)


def axis_message(op: str, axis, shape) -> str:
    """Explain an axis that is out of range for ``shape``.

    Examples
    --------
    >>> axis_message("sum", 2, (3, 4))
    'sum: axis 2 is out of range for a tensor of shape (3, 4) (valid axes are -2..1)'
    """
    n = len(shape)
    valid = f"valid axes are {-n}..{n - 1}" if n else "a 0-d tensor has no axes"
    return f"{op}: axis {axis} is out of range for a tensor of shape {shape} ({valid})"


def index_message(err, shape, index) -> str:
    """Explain a failed ``x[index]`` on a tensor of ``shape`` (``err``: NumPy's error)."""
    return f"indexing: {err} (tensor shape {shape}, index {index!r}){index_hint(index)}"


def index_hint(index) -> str:
    """The fix for an index holding float arrays ("" for any other index).

    A Python list of numbers makes a float32 Tensor (``Tensor([1, 0])``), so an
    index built that way fails in NumPy with no word on why.

    Examples
    --------
    >>> index_hint(np.array([1.0, 0.0]))[:38]
    '. Index with integers, e.g. idx.astype'
    >>> index_hint((0, slice(None)))
    ''
    """
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(i, np.ndarray) and i.dtype.kind == "f" for i in items):
        return ""
    return (". Index with integers, e.g. idx.astype('int64'): Tensor([1, 0]) is float32, "
            "as every Tensor made from a Python list of numbers; Tensor(np.array([1, 0])) is int64")


def broadcast_error(op: str, *shapes) -> str:
    """Explain why ``shapes`` do not broadcast: which axis fails and how to fix it.

    Examples
    --------
    >>> broadcast_error("add", (3,), (4,)).split(": ")[1]
    'shapes (3,) and (4,) cannot be broadcast together'
    """
    ndim = max(len(s) for s in shapes)
    for axis in range(-1, -ndim - 1, -1):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:          # (three operands, as where's, can bring three sizes)
            *first, last = sorted(sizes)
            shown = " and ".join(str(tuple(s)) for s in shapes)
            return (f"{op}: shapes {shown} cannot be broadcast together: axis {axis} has sizes "
                    f"{', '.join(map(str, first))} and {last} (sizes must be equal or 1). "
                    f"Reshape one operand, e.g. y.reshape(-1, 1) turns (n,) into (n, 1).")
    return f"{op}: shapes {' and '.join(map(str, shapes))} cannot be broadcast together"


def bounds_error(op: str, err, shape, bounds):
    """Why ``bounds`` (``clip``'s lo and hi) did not apply to a tensor of ``shape``: they are
    not numbers, or their shapes do not broadcast with it.  ``err`` is NumPy's error.

    Examples
    --------
    >>> str(bounds_error("clip", TypeError("no loop"), (2, 3), [0.0, "1"]))
    "clip: the bounds must be numbers, arrays or Tensors, got '1'"
    """
    if isinstance(err, TypeError):
        bad = [b for b in bounds if np.asarray(b).dtype.kind not in "fiub"] or bounds
        return tagged_error(TypeError, f"{op}: the bounds must be numbers, arrays or Tensors, "
                                       f"got {', '.join(f'{b!r:.40}' for b in bad)}", op)
    return tagged_error(ValueError, broadcast_error(op, shape, *map(np.shape, bounds)), op)
