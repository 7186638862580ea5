"""The autograd engine: the ``Function`` base class, grad mode, and reverse mode.

Everything that makes gradients lives in this file.  Read it top to bottom:

1. ``Function`` is a node of the graph.  ``Function.apply`` runs the NumPy
   forward of a primitive and, when gradients are being recorded, returns a
   ``Tensor`` whose ``_ctx`` points back at the ``Function`` (which keeps its
   input tensors).  Nothing points from a ``Function`` to its output, so the
   graph has no reference cycles and Python frees it by reference counting.
2. ``toposort`` orders the graph without recursion (an explicit stack), so a
   chain of 100,000 ops is as easy as a chain of 10.
3. ``run_backward`` walks that order from the outputs to the leaves, calls each
   ``Function.backward`` (the chain rule, one local step at a time), sums the
   gradients of tensors that are used more than once, and frees each node as
   soon as it has been used unless ``retain_graph=True``.

Backward rules are written once, with operations that NumPy arrays and
Tensors both have (see ``ops.py``).  With ``create_graph=False`` -- a plain
``loss.backward()`` -- the engine runs them on the arrays: the gradients are
plain NumPy arrays, nothing is recorded and no Tensor is made, as in
hand-written backprop.  With ``create_graph=True`` it runs the same rules on
Tensors, so they are recorded like any forward computation, which is all
that second and third derivatives need.

The safety checks for in-place changes (version counters, writes through
views, stale gradients) live in ``inplace.py``; the engine calls them in one
place in ``run_backward`` (only for ops recorded before some in-place change)
and one in ``_accumulate``.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import traceback

import numpy as np

from . import inplace
from .inplace import GradientAccumulationWarning  # noqa: F401 - part of this module's API

__all__ = [
    "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "grad", "backward", "toposort", "detect_anomaly", "is_anomaly_enabled", "scope", "composite",
    "kernel",
    "GradientAccumulationWarning",
]

# ----------------------------------------------------------------- grad mode --
_grad_enabled = True      # is the forward pass being recorded?
_anomaly_enabled = False  # see detect_anomaly()
_serials = itertools.count()  # numbers the recorded ops in order (see toposort)
_tape = None              # a jit.Trace while a function is being traced (see jit.py)


def is_grad_enabled() -> bool:
    """Return True when new operations are being recorded for autograd."""
    return _grad_enabled


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
        global _grad_enabled
        self._prev.append(_grad_enabled)
        _grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev.pop()
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


# ------------------------------------------------------------------- scopes --
# Every recorded Function remembers the names of the composite ops and modules
# it was created inside (``fn.scope``, e.g. ('dense_1', 'sigmoid')), so graph
# drawings can collapse a Dense layer or a sigmoid into one box.
_scope = ()


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
        global _scope
        self._prev = _scope
        _scope = _scope + (self.name,)
        return self

    def __exit__(self, *exc):
        global _scope
        _scope = self._prev
        return False


def composite(fn):
    """Decorator for derived ops: the primitives they record carry the op's name in ``scope``."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _scope
        prev = _scope
        _scope = prev + (name,)
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            # An error of a primitive inside, e.g. "add: shapes ...", is reported
            # under the name the user called ("sub: shapes ...").
            raise _renamed(e, name) from None
        finally:
            _scope = prev
    return wrapper


def _renamed(err, name):
    """``err`` with its leading op name (set by ``tagged_error``) replaced by ``name``.

    A raw NumPy error (no ``op:`` prefix) gets ``name:`` put in front of it.
    """
    op = getattr(err, "_tinygrad_edu", None)
    msg = str(err)
    if op is None and not _NAMED.match(msg):
        return tagged_error(err, f"{name}: {msg}", name)
    if not isinstance(op, str) or op == name or not msg.startswith(op + ":"):
        return err
    return tagged_error(err, name + msg[len(op):], name)


_NAMED = re.compile(r"^[A-Za-z_][\w .,()\[\]=+\-*/<>'-]{0,60}: ")  # "sub: ...", "Mul backward: ..."


# ---------------------------------------------------------- anomaly detection --
def is_anomaly_enabled() -> bool:
    """Return True inside :class:`detect_anomaly`."""
    return _anomaly_enabled


class detect_anomaly(contextlib.ContextDecorator):
    """Find the operation whose backward produced the first NaN or inf gradient.

    Inside this context each operation remembers the line of *your* code that
    created it, and backward checks every gradient it computes.  The first
    non-finite one raises ``FloatingPointError`` naming the operation, its
    input shapes and that line.  Off by default; when off it costs nothing but
    one flag test per operation.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> import numpy as np
    >>> x = tg.Tensor([0.0, 1.0], requires_grad=True)
    >>> with tg.detect_anomaly(), np.errstate(divide="ignore"):
    ...     y = x.sqrt().sum()       # d sqrt(x)/dx = inf at x = 0
    ...     try:
    ...         y.backward()
    ...     except FloatingPointError as e:
    ...         print(str(e).splitlines()[0])
    Pow backward produced a non-finite gradient (inf) for input 0 of shape (2,)
    """

    def __enter__(self):
        global _anomaly_enabled
        self._prev = _anomaly_enabled
        _anomaly_enabled = True
        return self

    def __exit__(self, *exc):
        global _anomaly_enabled
        _anomaly_enabled = self._prev
        return False


def _user_frame(stack) -> str:
    """The innermost stack frame outside the tinygrad_edu package, formatted."""
    pkg = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(stack):
        if not os.path.abspath(frame.filename).startswith(pkg):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'
    return "(created inside tinygrad_edu)"


# ------------------------------------------------------------------ Function --
class Function:
    """A primitive operation: a NumPy forward and a derivative rule.

    Subclass it to add an op.  ``forward`` receives NumPy arrays (plus any
    keyword arguments given to ``apply``) and returns one NumPy array.
    ``backward(grad, out)`` receives the gradient of the loss with respect to
    the output and the output tensor itself, and returns one gradient per
    input (a Tensor, or None for an input that needs none), each with the
    shape of its input.  Write it with Tensor operations so that it can itself
    be differentiated.  Inside ``backward`` the input tensors are
    ``self.inputs``; values computed in ``forward`` may be kept on ``self``.

    The built-in primitives go one step further (``array_backward = True``):
    their rules also run on NumPy arrays -- ``grad`` and ``out`` are then
    arrays, and ``self.saved(grad)`` gives the input values in the same kind
    -- which the engine uses whenever nobody needs a graph of the backward
    pass.  Your own ops need not: they always get Tensors.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> class Cube(tg.Function):
    ...     def forward(self, x):
    ...         return x ** 3
    ...     def backward(self, grad, out):
    ...         (x,) = self.inputs
    ...         return grad * 3 * x ** 2
    >>> x = tg.Tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    Tensor([12.], shape=(1,), dtype=float32)
    """

    #: Does ``backward`` read the *values* of the inputs?  When False, an
    #: in-place change of an input after the forward cannot corrupt the
    #: gradient, so the engine skips the version check for this op.
    needs_input_values = True
    #: Does ``backward`` read the value of the output (``out``)?  Exp and Tanh do.
    needs_output_value = False
    #: Can ``backward`` run on NumPy arrays as well as on Tensors?  The built-in
    #: primitives' rules can (see ``ops.py``); the engine then runs them on the
    #: arrays when no graph of the backward pass is needed.  A rule written for
    #: Tensors only (the default for your own ops) always gets Tensors.
    array_backward = False

    # A graph has one Function per recorded op, so they are kept small: slots,
    # no per-instance dict (a subclass that sets other attributes on ``self``
    # without declaring ``__slots__`` simply gets one).
    #   inputs       the input Tensors (None once backward has freed the graph)
    #   versions     the inputs' version counters when the op was recorded
    #   out_version  the output's version (in-place ops on the output change it)
    #   serial       when it was recorded: 0, 1, 2, ... (see ``toposort``)
    #   epoch        ``inplace._writes`` when the op was recorded
    #   scope        names of the enclosing modules / composite ops
    #   trace        the user's source line (only inside detect_anomaly)
    __slots__ = ("inputs", "versions", "out_version", "serial", "epoch", "scope", "trace")

    def forward(self, *arrays, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad, out):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def saved(self, grad):
        """The input values, in the kind ``backward`` is computing with: the NumPy
        arrays when ``grad`` is an array (the engine's fast path), else the Tensors."""
        inputs = self.inputs
        if isinstance(grad, _tensor_type):
            return inputs
        if len(inputs) == 2:  # the common case, without building a list
            return inputs[0]._data, inputs[1]._data
        return tuple([t._data for t in inputs])

    @property
    def needs_input_grad(self):
        """For each input: does it require a gradient?  (A rule may skip the others.)"""
        inputs = self.inputs
        if len(inputs) == 2:
            return inputs[0]._requires_grad, inputs[1]._requires_grad
        return tuple([t._requires_grad for t in inputs])

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors and record it in the graph when needed."""
        # This is the hot path of every op (about 0.5 us of Python around the
        # NumPy call), so the common cases -- one or two inputs, no keyword
        # arguments (passing even an empty **kwargs costs 0.15 us) -- are
        # spelled out by hand; the general form handles the rest.
        fn = cls()
        n = len(inputs)
        try:
            if not kwargs:
                data = (fn.forward(inputs[0]._data, inputs[1]._data) if n == 2 else
                        fn.forward(inputs[0]._data) if n == 1 else
                        fn.forward(*[t._data for t in inputs]))
            elif n == 1:
                data = fn.forward(inputs[0]._data, **kwargs)
            elif n == 2:
                data = fn.forward(inputs[0]._data, inputs[1]._data, **kwargs)
            else:
                data = fn.forward(*[t._data for t in inputs], **kwargs)
        except (ValueError, IndexError, TypeError) as e:
            raise _op_error(cls, inputs, kwargs, e) from None
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        # Record when recording is on, some input requires grad, and the result
        # is a float (integer/bool outputs carry no gradient).
        out = None
        if _grad_enabled and data.dtype.kind == "f":
            for t in inputs:
                if t._requires_grad:
                    fn.inputs = inputs
                    fn.versions = _versions(inputs, n)
                    fn.out_version = 0
                    fn.serial = next(_serials)
                    fn.epoch = inplace._writes
                    fn.scope = _scope
                    if _anomaly_enabled:
                        fn.trace = _user_frame(traceback.extract_stack()[:-1])
                    out = _make_tensor(data, True, fn)
                    break
        if out is None:
            out = _make_tensor(data, False, None)
        if _tape is not None:  # jit is tracing: note the op (see jit.py)
            _tape.op(cls, inputs, kwargs, out)
        return out

    @classmethod
    def describe_error(cls, shapes, kwargs, err) -> str:
        """Message for a failed forward; ops override it to explain better."""
        if isinstance(err, np.exceptions.AxisError) and shapes:
            return axis_message(cls.__name__.lower(), err.axis, shapes[0])
        shown = ", ".join(str(s) for s in shapes)
        return f"{cls.__name__.lower()}: {err} (input shapes: {shown})"

    def __repr__(self):
        return f"<{type(self).__name__}>"


def kernel(f, *arrays, **kwargs):
    """``f(*arrays, **kwargs)``: a value computed from tensor data outside the ops, like
    ReLU's mask ``x > 0``.

    It carries no gradient.  Derived ops compute such values through
    ``kernel`` so that ``jit`` sees them and recomputes them on every replay
    (it follows arrays made by ops and kernels; any other array makes it
    refuse).  In eager mode it is the NumPy call and nothing more.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([-1.0, 2.0])
    >>> tg.autograd.kernel(np.greater, x.data, 0)   # ReLU's mask
    array([False,  True])
    """
    out = f(*arrays, **kwargs) if kwargs else f(*arrays)  # (an empty ** costs 0.15 us)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if _tape is not None:
        _tape.kernel(f, arrays, kwargs, out)
    return out


_UNCHANGED = ((), (0,), (0, 0))  # shared: most inputs were never changed in place


def _versions(inputs, n):
    """The inputs' version counters, without allocating a tuple in the usual all-zero case
    (fewer new objects per op means less work for Python's garbage collector)."""
    if n == 2:
        a, b = inputs[0]._version, inputs[1]._version
        return (a, b) if a or b else _UNCHANGED[2]
    if n == 1:
        a = inputs[0]._version
        return (a,) if a else _UNCHANGED[1]
    return tuple([x._version for x in inputs])


def _op_error(cls, inputs, kwargs, err):
    """Turn a NumPy error inside ``cls.forward`` into one that names the op."""
    if getattr(err, "_tinygrad_edu", False):  # already one of ours
        return err
    shapes = [t.shape for t in inputs]
    return tagged_error(err, cls.describe_error(shapes, kwargs, err), cls.__name__.lower())


def tagged_error(err, message, op):
    """A new exception of ``err``'s public type (ValueError, IndexError, TypeError or
    NumPy's AxisError; or ``err`` itself if it is a class) carrying ``message``.

    ``op`` is the op name the message starts with: a composite op that catches
    the error renames it to its own name (see ``composite``).
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


def axis_message(op: str, axis, shape) -> str:
    """Explain an axis that is out of range for ``shape``."""
    n = len(shape)
    valid = f"valid axes are {-n}..{n - 1}" if n else "a 0-d tensor has no axes"
    return f"{op}: axis {axis} is out of range for a tensor of shape {shape} ({valid})"


def broadcast_error(op: str, *shapes) -> str:
    """Explain why ``shapes`` do not broadcast: which axis fails and how to fix it."""
    ndim = max(len(s) for s in shapes)
    for axis in range(-1, -ndim - 1, -1):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            a, b = sorted(sizes)
            shown = " and ".join(str(tuple(s)) for s in shapes)
            return (f"{op}: shapes {shown} cannot be broadcast together: axis {axis} has sizes "
                    f"{a} and {b} (sizes must be equal or 1). Reshape one operand, e.g. "
                    f"y.reshape(-1, 1) turns (n,) into (n, 1).")
    return f"{op}: shapes {' and '.join(map(str, shapes))} cannot be broadcast together"


# The Tensor class lives in tensor.py, which imports this module; it plugs the
# class and its fast constructor in here when it is imported (see the bottom of
# tensor.py).
_make_tensor = None
_tensor_type = None


# ------------------------------------------------------------ reverse mode ----
def toposort(roots):
    """Tensors reachable from ``roots`` that require grad, inputs before outputs.

    Two steps, neither recursive (so a chain of 100,000 ops is no harder than
    one of 10):

    1. collect every tensor reachable from the roots with an explicit stack
       (a tensor used many times is collected once);
    2. sort them by when they were made.  ``Function.apply`` numbers every
       op it records (``fn.serial``), and an op's inputs exist before the op
       runs, so that number puts every input before its outputs; leaves, made
       by no op, come first.  PyTorch's engine orders its work the same way.
    """
    found = {r: None for r in roots if r._requires_grad}  # a dict: an ordered set
    stack = list(found)
    while stack:
        fn = stack.pop()._ctx
        if fn is not None and fn.inputs is not None:
            for x in fn.inputs:
                if x._requires_grad and x not in found:
                    found[x] = None
                    stack.append(x)
    return sorted(found, key=_made_at)


def _made_at(t):
    fn = t._ctx
    return -1 if fn is None else fn.serial


def _check_anomaly(fn, grads):
    for i, g in enumerate(grads):
        if g is None:
            continue
        d = g._data if isinstance(g, _tensor_type) else np.asarray(g)
        if not np.isfinite(d).all():
            kind = "nan" if np.isnan(d).any() else "inf"
            shapes = ", ".join(str(x.shape) for x in fn.inputs)
            where = getattr(fn, "trace", "(created outside detect_anomaly)")
            raise FloatingPointError(
                f"{type(fn).__name__} backward produced a non-finite gradient ({kind}) for input {i} "
                f"of shape {fn.inputs[i].shape}\n  op inputs: {shapes}\n  op created at: {where}")


def run_backward(roots, seeds, retain_graph=False, create_graph=False, inputs=None):
    """The engine: back-propagate ``seeds`` from ``roots`` through the graph.

    With ``inputs=None`` gradients are accumulated into ``.grad`` of the leaves
    (``Tensor.backward``); otherwise the gradients of ``inputs`` are returned
    and ``.grad`` is left alone (``grad``).

    Without ``create_graph`` nobody will differentiate the backward pass, so
    the gradients flowing through the graph are plain NumPy arrays and each
    rule runs on them (see ``ops.py``): no Tensor is made, nothing recorded.
    With ``create_graph=True`` they are Tensors and every rule is recorded.
    """
    global _grad_enabled
    # While jit traces, the rules run on Tensors so that their ops are traced too.
    arrays = not create_graph and _tape is None
    if _tape is not None and (create_graph or inputs is not None):
        _tape.refuse("it differentiates with create_graph=True or grad(); only backward() can "
                     "be replayed")
    order = toposort(roots)
    grads = {}                 # tensor -> the sum of the gradients that reached it
    for r, s in zip(roots, seeds):
        if arrays:
            s = s._data if r not in grads else np.asarray(grads[r] + s._data)
        elif r in grads:
            s = grads[r] + s
        grads[r] = s
    wanted = None if inputs is None else {t: None for t in inputs}
    prev_mode, _grad_enabled = _grad_enabled, bool(create_graph)
    try:
        for t in reversed(order):  # outputs first: every gradient of t has arrived
            g = grads.pop(t, None)
            if g is None:
                continue
            fn = t._ctx
            if wanted is not None:      # grad(): collect, leave .grad alone
                if t in wanted:
                    wanted[t] = g
            elif fn is None or t._retain_grad:  # a leaf (or retain_grad()): into .grad
                if _tape is None:
                    _accumulate(t, g, create_graph)
                else:                           # jit: replays will do the same, on arrays
                    if fn is not None:
                        _tape.refuse("it keeps the gradient of an intermediate (retain_grad)")
                    _tape.effect(t, g)
                    _accumulate(t, g._data, False)
            if fn is None:
                continue
            fn_inputs = fn.inputs
            if fn_inputs is None:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time: the graph of "
                    f"{type(fn).__name__} (output shape {t.shape}) was freed by the previous backward(). "
                    f"Pass retain_graph=True to the first backward() if you need to call it twice.")
            if fn.epoch != inplace._writes:  # something changed in place since this op ran:
                inplace.check(fn, t)         # was it a value its backward needs?
            if not arrays:
                in_grads = fn.backward(g, t)
            elif fn.array_backward:
                in_grads = fn.backward(g, t._data)
            else:                            # a rule for Tensors only: wrap, run, unwrap
                in_grads = fn.backward(_make_tensor(g, False, None), t)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if _anomaly_enabled:
                _check_anomaly(fn, in_grads)
            for x, gx in zip(fn_inputs, in_grads):
                if gx is None or not x._requires_grad:
                    continue
                if gx.shape != x._data.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape {gx.shape} for an "
                        f"input of shape {x.shape}; a gradient must have its input's shape.")
                prev = grads.get(x)
                if prev is not None:
                    gx = prev + gx
                if arrays and type(gx) is not np.ndarray:
                    gx = np.asarray(gx)     # a NumPy scalar (0-d math) or a Tensor
                grads[x] = gx
            if not retain_graph:
                fn.inputs = None  # free the graph as we go: its tensors can die now
    finally:
        _grad_enabled = prev_mode
    if wanted is None:
        return None
    return [w if w is None or not arrays else _make_tensor(np.asarray(w), False, None)
            for w in (wanted[t] for t in inputs)]


def _accumulate(t, g, create_graph):
    """``t.grad += g`` without aliasing arrays that someone else may own.

    ``g`` is an array (or a Tensor with ``create_graph``).  A float32 tensor
    gets a float32 ``.grad``, even from float64 math.  Adding to a gradient
    older than the tensor's last in-place update (a forgotten ``zero_grad()``)
    warns: see ``inplace.grad_is_stale``.
    """
    dtype = t._data.dtype
    if t.grad is None:
        if create_graph:
            t.grad = g if g._data.dtype == dtype else g.astype(dtype)
        else:
            t.grad = _make_tensor(np.array(g, dtype=dtype, copy=True), False, None)
    else:
        if inplace.grad_is_stale(t):
            inplace.warn_stale_grad(t)
        if create_graph:
            total = t.grad + g
            t.grad = total if total._data.dtype == dtype else total.astype(dtype)
        else:
            t.grad = _make_tensor(np.asarray(t.grad._data + g, dtype=dtype), False, None)
    inplace.stamp_grad(t)


def _seed(t, gradient, where):
    if gradient is None:
        data = t._data
        if data.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for a scalar output, but this tensor "
                f"has shape {t.shape}. Reduce it first (e.g. loss.mean()) or pass gradient= "
                f"(an array of shape {t.shape}, e.g. Tensor.ones_like(y)).")
        seed = _make_tensor(np.ones(data.shape, dtype=data.dtype), False, None)
        if _tape is not None:
            _tape.constant(seed, 1)
        return seed
    from .tensor import Tensor
    if not isinstance(gradient, Tensor):
        try:
            gradient = Tensor(np.asarray(gradient, dtype=t.dtype))
        except (TypeError, ValueError):
            raise TypeError(f"{where}: gradient must be a Tensor or an array of shape {t.shape}, "
                            f"got {type(gradient).__name__}") from None
    if gradient.shape != t.shape:
        raise RuntimeError(
            f"{where}: gradient has shape {gradient.shape} but the tensor has shape {t.shape}; "
            f"they must match.")
    return gradient


def backward(tensor, gradient=None, retain_graph=False, create_graph=False):
    """Accumulate d(tensor)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    See :meth:`tinygrad_edu.Tensor.backward`.
    """
    if not tensor._requires_grad:
        raise RuntimeError(
            f"backward: this tensor (shape {tensor.shape}) does not require grad, so there is no "
            f"graph to differentiate. Create the inputs with requires_grad=True (or call "
            f"x.requires_grad_()), and do not compute the loss inside no_grad().")
    seed = _seed(tensor, gradient, "backward")
    run_backward([tensor], [seed], retain_graph or create_graph, create_graph)


def _tensor_list(xs, what):
    from .tensor import Tensor
    if isinstance(xs, Tensor):
        return [xs]
    try:
        xs = list(xs)
    except TypeError:
        xs = [xs]
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: {what} must be Tensors (or a sequence of Tensors), got "
                            f"{type(x).__name__}")
    return xs


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None,
         allow_unused=False):
    """Return the gradients of ``outputs`` with respect to ``inputs``.

    Unlike ``backward`` it does not touch ``.grad``.  With ``create_graph=True``
    the returned gradients are themselves differentiable tensors, so calling
    ``grad`` again gives second (third, ...) derivatives.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
    grad_outputs : Tensor, array or sequence, optional
        Seed gradients, one per output; needed for non-scalar outputs.
    create_graph : bool
        Record the backward pass so the result can be differentiated again.
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    allow_unused : bool
        Return None for an input that the outputs do not depend on, instead of
        raising.

    Returns
    -------
    list of Tensor (or None for unused inputs when ``allow_unused``)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor(0.5, requires_grad=True, dtype="float64")
    >>> (dy,) = tg.grad(x.tanh(), x, create_graph=True)        # 1 - tanh^2
    >>> (d2y,) = tg.grad(dy, x)                                # -2 tanh (1 - tanh^2)
    >>> round(dy.item(), 6), round(d2y.item(), 6)
    (0.786448, -0.726862)
    """
    from .tensor import Tensor
    outputs = _tensor_list(outputs, "outputs")
    inputs = _tensor_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, o in enumerate(outputs):
        if not o._requires_grad:
            raise RuntimeError(
                f"grad: output {i} (shape {o.shape}) does not require grad; it does not depend on "
                f"any tensor with requires_grad=True.")
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            why = (f"it is {x.dtype}, and integer/bool tensors have no gradient"
                   if x.dtype.kind != "f" else "create it with requires_grad=True")
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad ({why}).")
    seeds = [_seed(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    for i, (x, g) in enumerate(zip(inputs, result)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {x.shape}) was not used to compute the outputs, so it has "
                f"no gradient. Pass allow_unused=True to get None for it.")
    return result

