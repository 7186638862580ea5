"""``detect_anomaly``: name the first op that made a NaN or an inf, with your line.

Inside ``with detect_anomaly():`` two checks run (both off, and free,
outside it):

- **forward**: a :class:`~tinygrad_edu.recording.Watcher` looks at every
  op's output.  The first op that turns finite inputs into a NaN or an inf
  raises ``FloatingPointError`` naming the op, the shapes and the line of
  *your* code that called it -- as JAX's ``debug_nans`` does (PyTorch's
  anomaly mode checks only the backward pass).
- **backward**: the engine runs every rule through :func:`checked`, and the
  first rule that returns a non-finite gradient raises, naming the op and
  the line that created it.
"""
from __future__ import annotations

import contextlib
import os
import traceback

import numpy as np

from . import recording

__all__ = ["detect_anomaly", "is_anomaly_enabled", "checked"]

enabled = False   # inside detect_anomaly?


def is_anomaly_enabled() -> bool:
    """Return True inside :class:`detect_anomaly`."""
    return enabled


class detect_anomaly(contextlib.ContextDecorator):
    """Find the first operation whose forward output or backward gradient is NaN or inf.

    Inside this context every op's output is checked as it is computed, each
    op remembers the line of *your* code that created it, and backward checks
    every gradient it computes.  The first non-finite value raises
    ``FloatingPointError`` naming the operation, its shapes and that line.
    NumPy's own warnings about invalid values are silenced inside: this error
    replaces them.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 4.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     try:
    ...         y = (x - 10).log()            # log of a negative number
    ...     except FloatingPointError as e:
    ...         print(str(e).splitlines()[0])
    log produced nan in its output of shape (2,) from finite inputs
    >>> x = tg.Tensor([0.0, 1.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     y = x.sqrt().sum()                # d sqrt(x)/dx = inf at x = 0
    ...     try:
    ...         y.backward()
    ...     except FloatingPointError as e:
    ...         print(str(e).splitlines()[0])
    Pow backward produced a non-finite gradient (inf) for input 0 of shape (2,)
    """

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = True
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(np.errstate(all="ignore"))
        self._stack.enter_context(recording.watch(_NonFiniteOutputs()))
        return self

    def __exit__(self, *exc):
        global enabled
        self._stack.close()
        enabled = self._prev
        return False


class _NonFiniteOutputs(recording.Watcher):
    """The forward check: every op's output, and where in the user's code it was made."""

    def op(self, cls, inputs, kwargs, out):
        where = user_frame(traceback.extract_stack()[:-1])
        if out._ctx is not None:
            out._ctx.trace = where
        d = out._data
        if d.dtype.kind != "f" or np.isfinite(d).all():
            return
        if not all(np.isfinite(x._data).all() for x in inputs if x._data.dtype.kind == "f"):
            return  # a non-finite input: the op that made it has spoken already
        kind = "nan" if np.isnan(d).any() else "inf"
        shapes = ", ".join(str(x.shape) for x in inputs)
        raise FloatingPointError(
            f"{cls.__name__.lower()} produced {kind} in its output of shape {out.shape} from finite "
            f"inputs\n  op inputs: {shapes}\n  op called at: {where}\n"
            f"  (the values went out of the op's domain, e.g. log or sqrt of a negative number, "
            f"or a division by zero)")


def checked(rule):
    """``rule`` (an engine rule runner), raising on the first non-finite gradient it returns."""
    def run(fn, grad, out):
        grads = rule(fn, grad, out)
        for i, g in enumerate(grads):
            if g is None:
                continue
            d = np.asarray(getattr(g, "_data", g))
            if not np.isfinite(d).all():
                kind = "nan" if np.isnan(d).any() else "inf"
                shapes = ", ".join(str(x.shape) for x in fn.inputs)
                where = getattr(fn, "trace", "(created outside detect_anomaly)")
                raise FloatingPointError(
                    f"{type(fn).__name__} backward produced a non-finite gradient ({kind}) for "
                    f"input {i} of shape {fn.inputs[i].shape}\n  op inputs: {shapes}\n"
                    f"  op created at: {where}")
        return grads
    return run


def user_frame(stack) -> str:
    """The innermost stack frame outside the tinygrad_edu package, formatted."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(stack):
        if not os.path.abspath(frame.filename).startswith(pkg):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'
    return "(created inside tinygrad_edu)"
