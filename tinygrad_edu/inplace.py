"""Catching in-place changes that would make a pending backward silently wrong.

Backward rules read the values their op saw in the forward pass (``Mul``
needs its inputs, ``Exp`` its output).  If one of those arrays is changed in
place before ``backward()`` -- ``x += 1``, ``x[i] = v``, ``x.data = ...`` -- the
gradient would be computed from the new values: a silent wrong answer.  As in
PyTorch, every Tensor has a version counter (``_version``) that in-place
operations bump; each recorded ``Function`` remembers its inputs' versions
(``fn.versions``) and the engine compares them before running the rule
(:func:`check_versions`).

A version counter belongs to one Tensor, but ``detach()``, ``reshape``,
``transpose`` and basic indexing make *other* Tensors over the same memory.
For those, in-place operations also log the bytes they wrote
(:func:`note_write`), and the engine consults that log -- only for Functions
recorded before some write, so a plain forward/backward/step loop never pays
for it (:func:`check_writes`).

The last piece watches ``.grad``: adding a new gradient to one that was
computed before its parameter was updated in place (``optimizer.step()``
without ``zero_grad()``) mixes gradients of two different parameter values and
warns with :class:`GradientAccumulationWarning`.

None of this is needed to *understand* reverse mode (``autograd.py``); it is
what makes the in-place conveniences safe.
"""
from __future__ import annotations

import collections
import warnings

import numpy as np

__all__ = ["check", "check_versions", "note_write", "check_writes", "GradientAccumulationWarning",
           "stamp_grad", "grad_is_stale", "warn_stale_grad"]


# ------------------------------------------------------------ version counters --
# Every change of a ``_version`` is followed by ``note_write``, which bumps
# ``_writes``.  So a Function whose ``epoch`` (``_writes`` when it was recorded)
# is still current has nothing to check: the engine calls ``check`` only when
# ``fn.epoch != _writes``, and a plain forward/backward loop never pays for it.
def check(fn, out):
    """Raise if a value that ``fn``'s backward needs was changed in place after the forward."""
    if fn.needs_input_values:
        check_versions(fn, out)
    check_writes(fn, out)


def check_versions(fn, out):
    """Fast check: did an input or the output of ``fn`` change version since the forward?"""
    for i, (x, v) in enumerate(zip(fn.inputs, fn.versions)):
        if x._version != v:
            raise RuntimeError(
                f"{type(fn).__name__} backward: input {i} of shape {x.shape} was modified in place "
                f"(version {v} -> {x._version}) after it was used in the forward pass, so its "
                f"gradient would be wrong. Use an out-of-place op (x = x + y instead of x += y) "
                f"or modify it only after backward().")
    if out._version != fn.out_version:
        raise RuntimeError(
            f"{type(fn).__name__} backward: its output of shape {out.shape} was modified in place "
            f"after the forward pass, so the gradient would be wrong. Use an out-of-place op.")


# ------------------------------------------------------------ in-place writes --
# Tensor's in-place operations (``+=``, ``x[i] = v``, ``x.data = ...``) call
# ``note_write``: it bumps ``_writes`` and logs which bytes were written.  A
# Function remembers ``_writes`` when it is recorded (``fn.epoch``); backward
# looks at the log only for Functions recorded before a write -- the slow path,
# never taken in a plain forward/backward/step loop.  The log catches a write
# through an *alias*: ``detach()``, ``reshape``, ``transpose``, basic indexing
# share memory with their input without sharing its version counter.
_writes = 0
_write_log = collections.deque(maxlen=1024)  # (stamp, id(tensor), lo, hi) byte ranges
_byte_bounds = np.lib.array_utils.byte_bounds


def note_write(tensor, region=None):
    """Record an in-place change of ``tensor`` (``region``: the array view written, if any).

    Call it after every change of ``tensor._version`` (see ``check``).
    """
    global _writes
    _writes += 1
    if region is not None and region.size:
        lo, hi = _byte_bounds(region)
        _write_log.append((_writes, id(tensor), lo, hi))


def check_writes(fn, out):
    """Slow path of the version check, for Functions recorded before an in-place write."""
    reads = fn.needs_input_values
    for i, (x, v) in enumerate(zip(fn.inputs, fn.versions)):
        if x._version != v and not reads and x._ctx is not None and x._ctx.out_version > v:
            raise RuntimeError(
                f"{type(fn).__name__} backward: input {i} of shape {x.shape} was changed by a "
                f"recorded in-place op (+=, -=, *=, /=) after it was used here, so the graph no "
                f"longer leads back to the value this op saw. Use an out-of-place op "
                f"(x = x * 2 instead of x *= 2).")
    if fn.needs_output_value and out._version != fn.out_version:
        raise RuntimeError(
            f"{type(fn).__name__} backward: its output of shape {out.shape} was modified in place "
            f"after the forward pass, and this op's derivative is computed from it, so the "
            f"gradient would be wrong. Use an out-of-place op.")
    saved = [(f"input {i}", x) for i, x in enumerate(fn.inputs)] if reads else []
    if reads or fn.needs_output_value:
        saved.append(("its output", out))
    if not saved or not _write_log or _write_log[-1][0] <= fn.epoch:
        return
    if _write_log[0][0] > fn.epoch + 1 and len(_write_log) == _write_log.maxlen:
        return  # the log forgot writes this old; nothing more can be said
    for what, x in saved:
        if not x._data.size:
            continue
        lo, hi = _byte_bounds(x._data)
        for stamp, owner, wlo, whi in reversed(_write_log):
            if stamp <= fn.epoch:
                break
            if owner != id(x) and wlo < hi and lo < whi:
                raise RuntimeError(
                    f"{type(fn).__name__} backward: {what} (shape {x.shape}) shares memory with "
                    f"a tensor that was modified in place after the forward pass -- a view made "
                    f"by detach(), reshape, transpose or indexing, or the tensor it views -- so "
                    f"the gradient would be wrong. Modify a copy instead (Tensor(x) copies), or "
                    f"modify it only after backward().")


# ------------------------------------------------------------ stale gradients --
class GradientAccumulationWarning(UserWarning):
    """backward() added to a gradient that is older than its tensor's last in-place update."""


def stamp_grad(t):
    """Remember which versions of ``t`` and of its new ``.grad`` belong together."""
    t._grad_version = (id(t.grad), t.grad._version, t._version)


def grad_is_stale(t):
    """Was ``t`` changed in place after its (untouched, non-zero) ``.grad`` was computed?"""
    seen = getattr(t, "_grad_version", None)
    return (seen is not None and seen[2] != t._version
            and seen[:2] == (id(t.grad), t.grad._version) and bool(t.grad._data.any()))


def warn_stale_grad(t):
    label = f" ({t.name!r})" if t.name else ""
    warnings.warn(
        f"backward: adding to the gradient of a tensor of shape {t.shape}{label} that was updated "
        f"in place (e.g. by optimizer.step()) since that gradient was computed, so .grad now "
        f"mixes gradients of old and new values. Call optimizer.zero_grad() before each "
        f"backward() (or after each step).", GradientAccumulationWarning, stacklevel=6)
