"""What the forward pass records, and who watches it.

Four pieces of state, read by ``Function.apply`` on every op:

- **grad mode** (``grad_enabled``): is the forward pass being recorded?
  ``no_grad()`` switches it off for inference and parameter updates.
- **scopes** (``scope_names``): the names of the modules and derived ops
  that an op is recorded inside, e.g. ``('dense_1', 'sigmoid')``, so that a
  graph drawing can collapse a layer or a sigmoid into one box.
- **the clock** (``clock``): numbers every recorded op and every in-place
  write, in the order they happen.  An op's inputs exist before the op, so
  sorting by that number is a topological order (see ``engine.toposort``);
  and an op numbered before the last in-place write is one whose saved
  values may have changed (see ``inplace.py``).
- **watchers**: the one way side concerns see the ops as they run.  ``jit``
  traces a step, ``detect_anomaly`` checks every output for NaN; both are a
  :class:`Watcher` that is active inside a ``with watch(w):`` block.  With
  no watcher (the usual case) an op pays one truth test for all of this.
"""
from __future__ import annotations

import contextlib
import functools
import itertools

from .errors import renamed

__all__ = ["is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad", "scope",
           "in_scope", "composite", "Watcher", "watch"]

grad_enabled = True         # is the forward pass being recorded?
scope_names = ()            # the enclosing modules / derived ops
clock = itertools.count()   # numbers recorded ops and in-place writes, in order
watchers = ()               # the active Watchers, innermost last


# ------------------------------------------------------------------ grad mode --
def is_grad_enabled() -> bool:
    """Return True when new operations are being recorded for autograd."""
    return grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that switches graph recording on or off.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tg.set_grad_enabled(False):
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = []

    def __enter__(self):
        global grad_enabled
        self._prev.append(grad_enabled)
        grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        global grad_enabled
        grad_enabled = self._prev.pop()
        return False


class no_grad(set_grad_enabled):
    """Context manager / decorator: operations inside record no graph.

    Use it for inference and for parameter updates.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 3
    >>> y.requires_grad, y.is_leaf
    (False, True)
    >>> @tg.no_grad()
    ... def predict(x):
    ...     return x * w
    >>> predict(tg.Tensor([2.0])).requires_grad
    False
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Context manager / decorator: record operations even inside ``no_grad``."""

    def __init__(self):
        super().__init__(True)


# --------------------------------------------------------------------- scopes --
class scope(contextlib.ContextDecorator):
    """Name the operations recorded inside this block (used by modules and graphs).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.autograd.scope("my_block"):
    ...     y = x * 2
    >>> y.grad_fn.scope
    ('my_block',)
    """

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        global scope_names
        self._prev = scope_names
        scope_names = scope_names + (self.name,)
        return self

    def __exit__(self, *exc):
        global scope_names
        scope_names = self._prev
        return False


def in_scope(name, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with its ops recorded inside scope ``name``.

    The same as running it in a ``with scope(name):`` block, in one call
    instead of three (every module's forward runs through it).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0], requires_grad=True)
    >>> in_scope("twice", lambda t: t * 2, x).grad_fn.scope
    ('twice',)
    """
    global scope_names
    prev = scope_names
    scope_names = prev + (name,)
    try:
        return fn(*args, **kwargs)
    finally:
        scope_names = prev


def composite(fn):
    """Decorator for derived ops: the primitives they record carry the op's name in ``scope``.

    An error raised inside by a primitive ("add: shapes ...") is reported
    under the derived op's name ("sub: shapes ...").

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> @composite
    ... def double(x):
    ...     return x * 2
    >>> double(tg.Tensor([1.0], requires_grad=True)).grad_fn.scope
    ('double',)
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global scope_names
        prev = scope_names
        scope_names = prev + (name,)
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            raise renamed(e, name) from None
        finally:
            scope_names = prev
    return wrapper


# ------------------------------------------------------------------- watchers --
class Watcher:
    """Sees the ops of the forward pass as they run.  Override what you need.

    ``traces_backward = True`` asks the engine to run backward rules on
    Tensors while this watcher is active, so that the primitives of the
    backward pass are seen too (``jit`` needs that; ``detect_anomaly`` not).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> class Count(Watcher):
    ...     n = 0
    ...     def op(self, cls, inputs, kwargs, out):
    ...         self.n += 1
    >>> with watch(Count()) as c:
    ...     y = tg.Tensor([1.0]) * 2 + 1
    >>> c.n
    2
    """

    traces_backward = False

    def op(self, cls, inputs, kwargs, out):
        """Primitive ``cls`` made Tensor ``out`` from Tensors ``inputs``."""

    def kernel(self, f, args, kwargs, out):
        """``out = f(*args, **kwargs)``: an array computed from tensor data (``function.kernel``)."""

    def constant(self, tensor, value):
        """A constant Tensor was made from ``value`` (a number, an array)."""

    def reads(self, what):
        """Python read tensor values (``what``: 'item()', '.data', ...)."""

    def backward(self, kind):
        """A backward pass starts: ``kind`` is 'backward', 'create_graph' or 'grad'."""

    def gradient(self, tensor, grad):
        """``backward()`` is about to add ``grad`` into ``tensor.grad``."""


@contextlib.contextmanager
def watch(watcher):
    """Make ``watcher`` active inside the block; yields it."""
    global watchers
    prev = watchers
    watchers = prev + (watcher,)
    try:
        yield watcher
    finally:
        watchers = prev


def traces_backward() -> bool:
    """Does an active watcher want backward rules run on Tensors?"""
    return any(w.traces_backward for w in watchers)
