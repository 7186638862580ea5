"""In-place changes: the gradient uses the values the forward pass saw, or backward refuses.

Backward rules read values their op saw in the forward pass (``Mul`` needs
its inputs, ``Exp`` its output).  If one of them is changed in place before
``backward()`` -- ``x += 1``, ``x[i] = v``, ``x.data = ...`` -- a rule would
compute from the new values: a silent wrong answer.  Three pieces prevent it,
and the engine reaches them in two places only (``engine.toposort`` calls
:func:`rebase`, the rule runners call :func:`check`), and only for an op
recorded before the last in-place write: a plain forward, backward, step
loop never pays for any of this.

1. **Rebasing.**  A *recorded* in-place op (``c += y`` while ``c`` requires
   grad) keeps a snapshot of ``c`` as it was (``c._past``: the old value,
   version and producer) and makes ``c`` the output of the new op.  Ops
   recorded earlier still hold ``c``; :func:`rebase` points them back at the
   snapshot, so their gradient flows to the value they saw -- as PyTorch's
   edges point to the old ``grad_fn``.  micrograd's ``c += c + 1`` works.
2. **Version counters and write times.**  Every Tensor has ``_version``,
   bumped by each in-place change, and :func:`note_write` stamps the tensor
   with the recording clock's reading (``_written``: those of its last few
   writes).  An op's input changed after the op was recorded exactly when it
   was written later than the op's ``serial``, so an op needs to remember
   nothing more.  :func:`check` raises only when a changed value is one that
   the rule reads for a gradient that is actually required
   (``fn.needs_input_value(i)``; ``needs_output_value`` for the output).
3. **Writes through views.**  ``detach()``, ``reshape``, ``transpose`` and
   basic indexing share memory without sharing a version counter, so each
   in-place change also logs the bytes it wrote (:func:`note_write`), and
   :func:`check` compares the values a rule reads against that log.

Last, ``.grad``: adding a new gradient to one computed before its parameter
was updated in place (``optimizer.step()`` without ``zero_grad()``) warns
with :class:`GradientAccumulationWarning`.
"""
from __future__ import annotations

import collections
import warnings

import numpy as np

from . import recording

__all__ = ["note_write", "note_writes", "written_after", "rebase", "check",
           "GradientAccumulationWarning", "stamp_grad", "grad_is_stale", "warn_stale_grad"]

last_write = -1    # the recording clock's reading at the last in-place write
_write_log = collections.deque(maxlen=1024)  # (stamp, id(tensor), lo, hi) byte ranges
_KEPT_STAMPS = 4   # a tensor remembers when its last few writes happened
_byte_bounds = np.lib.array_utils.byte_bounds


def note_write(tensor, region=None):
    """Record an in-place change of ``tensor`` (``region``: the array view written, if any).

    Call it after every change of ``tensor._version``.
    """
    global last_write
    last_write = next(recording.clock)
    _stamp(tensor, last_write)
    if region is not None and region.size:
        lo, hi = _byte_bounds(region)
        _write_log.append((last_write, id(tensor), lo, hi))


def note_writes(tensors):
    """:func:`note_write` for several tensors changed at once (an optimizer step).

    To keep a step cheap each keeps this stamp alone, so an error about a
    value that a step changed names only its version now."""
    global last_write
    last_write = next(recording.clock)
    stamp = (last_write,)
    for t in tensors:
        t._written = stamp


def _stamp(t, when):
    """``t._written``: the clock readings of ``t``'s last few writes, oldest first."""
    t._written = getattr(t, "_written", ())[1 - _KEPT_STAMPS:] + (when,)


def written_after(x, serial) -> bool:
    """Was ``x`` changed in place after the op numbered ``serial`` was recorded?"""
    stamps = getattr(x, "_written", None)
    return stamps is not None and stamps[-1] > serial


def changed_since(fn) -> bool:
    """Was anything changed in place after ``fn`` was recorded?"""
    return fn.serial < last_write


def version_seen(x, fn):
    """``x._version`` when ``fn`` was recorded, or None if ``x`` has forgotten that far back."""
    stamps = getattr(x, "_written", ())
    later = sum(stamp > fn.serial for stamp in stamps)
    if later == len(stamps) < x._version:
        return None            # more writes than it keeps stamps of: which was first is lost
    return x._version - later


# ------------------------------------------------------------------- rebasing --
def rebase(fn):
    """Point ``fn`` at the snapshots of inputs that a recorded in-place op changed since.

    An input of ``fn`` written after ``fn`` was recorded holds a newer value
    than ``fn`` saw; if a recorded in-place op kept a snapshot of the value it
    replaced (``x._past``, a chain, newest first), the one that was current
    when ``fn`` ran is what ``fn`` really used.
    """
    inputs = list(fn.inputs)
    for i, x in enumerate(inputs):
        while written_after(x, fn.serial) and getattr(x, "_past", None) is not None:
            x = x._past
        if not written_after(x, fn.serial):
            inputs[i] = x
    fn.inputs = tuple(inputs)


# ------------------------------------------------------------------ the check --
def check(fn, out):
    """Raise if a value that ``fn``'s rule reads, for a required gradient, changed in place."""
    for i, x in enumerate(fn.inputs):
        if written_after(x, fn.serial) and fn.needs_input_value(i):
            v = version_seen(x, fn)
            versions = (f"version {v} -> {x._version}" if v is not None
                        else f"now version {x._version}")
            raise RuntimeError(
                f"{type(fn).__name__} backward: input {i} of shape {x.shape} was modified in place "
                f"({versions}) after it was used in the forward pass, so its "
                f"gradient would be wrong. Use an out-of-place op (x = x + y instead of x += y) "
                f"or modify it only after backward().")
    if fn.needs_output_value and out._version != getattr(fn, "out_version", 0):
        raise RuntimeError(
            f"{type(fn).__name__} backward: its output of shape {out.shape} was modified in place "
            f"after the forward pass, and this op's derivative is computed from it, so the "
            f"gradient would be wrong. Use an out-of-place op.")
    read = [(f"input {i}", x) for i, x in enumerate(fn.inputs) if fn.needs_input_value(i)]
    if fn.needs_output_value:
        read.append(("its output", out))
    for what, x in read:
        if _written_through_a_view(x, fn.serial):
            raise RuntimeError(
                f"{type(fn).__name__} backward: {what} (shape {x.shape}) shares memory with "
                f"a tensor that was modified in place after the forward pass -- a view made "
                f"by detach(), reshape, transpose or indexing, or the tensor it views -- so "
                f"the gradient would be wrong. Modify a copy instead (Tensor(x) copies), or "
                f"modify it only after backward().")


def _written_through_a_view(x, since):
    """Did a write to another tensor after ``since`` touch ``x``'s bytes?"""
    if not x._data.size or not _write_log or _write_log[-1][0] <= since:
        return False
    if _write_log[0][0] > since and len(_write_log) == _write_log.maxlen:
        return False  # the log forgot writes this old; nothing more can be said
    lo, hi = _byte_bounds(x._data)
    for stamp, owner, wlo, whi in reversed(_write_log):
        if stamp <= since:
            return False
        if owner != id(x) and wlo < hi and lo < whi:
            return True
    return False


# ------------------------------------------------------------ stale gradients --
class GradientAccumulationWarning(UserWarning):
    """backward() added to a gradient that is older than its tensor's last in-place update."""


def stamp_grad(t):
    """Remember which versions of ``t`` and of its new ``.grad`` belong together."""
    t._grad_version = (id(t._grad), t._grad._version, t._version)


def grad_is_stale(t):
    """Was ``t`` changed in place after its (untouched, non-zero) ``.grad`` was computed?"""
    seen = getattr(t, "_grad_version", None)
    return (seen is not None and seen[2] != t._version
            and seen[:2] == (id(t._grad), t._grad._version) and bool(t._grad._data.any()))


def warn_stale_grad(t):
    label = f" ({t.name!r})" if t.name else ""
    warnings.warn(
        f"backward: adding to the gradient of a tensor of shape {t.shape}{label} that was updated "
        f"in place (e.g. by optimizer.step()) since that gradient was computed, so .grad now "
        f"mixes gradients of old and new values. Call optimizer.zero_grad() before each "
        f"backward() (or after each step).", GradientAccumulationWarning, stacklevel=5)
