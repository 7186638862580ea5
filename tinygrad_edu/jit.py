"""``jit``: trace a training step once, then replay only its NumPy calls.

Eager mode pays Python for every op it records and every rule it runs --
most of a small network's step (see ``benchmarks/README.md``).  A training
step does the same ops on every batch of the same shape, so ``jit`` records
the step as a flat list of NumPy calls -- the primitives' ``forward``\\ s, the
derived backward's (its rules run on Tensors while tracing, so every one of
their operations is a primitive too), and the masks that ReLU, sigmoid and
clip compute (``autograd.kernel``) -- and later calls run that list on the
new batch.  Nothing is hand-written: the replayed backward is exactly the
chain rule that ``loss.backward()`` derives.  This is tinygrad's ``TinyJit``
and Keras' ``jit_compile`` idea, kept small.

Rules of the game, all checked (a :class:`JitError` names what broke them,
never a silently wrong replay):

- The function takes Tensors and returns a Tensor, a tuple of Tensors or
  None.  It may call ``loss.backward()``: the gradients are accumulated into
  ``.grad`` on every replay exactly as ``backward()`` would.  Call
  ``zero_grad()`` and ``step()`` outside it.  That backward must end
  inside: an argument computed outside by recorded ops (``f(x @ w)``) is
  refused once a backward runs inside -- pass it detached.
- Python code inside runs only on the traced calls: a replay runs the
  NumPy calls, not the function, so its Python side effects (printing,
  counting calls, appending to a list) do not happen again.
- Every value computed from data must come from ops: no ``.item()``,
  ``.numpy()`` or ``bool(t)`` inside, no tensor made from arrays inside
  (make constants outside and use them, or pass them as arguments), no
  in-place changes, no ``create_graph``.
- The first two calls for a shape run normally while being traced; the two
  traces must agree op for op.  From the third call on, the trace replays.
  Tensors from outside (the parameters) are read when the replay runs, so
  optimizer updates (and ``set_weights``, ``w.data = ...``) are seen; a
  parameter *replaced* by another Tensor object (``layer.kernel = t``) is
  not, since the Python that looked it up does not run again.  Gradients
  reach the arguments that require them too, each call's own.  (While
  tracing, the function gets a stand-in viewing each leaf argument's data,
  so a tensor it closes over is never confused with the same tensor passed
  in.)  A new input shape, dtype, ``requires_grad`` or pattern of repeated
  arguments (``f(x, x)`` against ``f(a, b)``) gets its own traces.
  Python numbers used inside (``x * scale``) are part of the trace: if one
  changes between the two traced calls jit refuses, and if it changes later
  the replay keeps the traced value -- make it a Tensor to vary it.

Examples
--------
>>> import numpy as np
>>> import tinygrad_edu as tg
>>> w = tg.Tensor([[0.5], [-0.25]], requires_grad=True)
>>> @tg.jit
... def step(x, y):
...     loss = (((x @ w).sigmoid() - y) ** 2).mean()
...     loss.backward()
...     return loss
>>> x, y = tg.Tensor([[1.0, 2.0], [3.0, -1.0]]), tg.Tensor([[1.0], [0.0]])
>>> losses = [step(x, y).item() for _ in range(3)]   # traced, traced, replayed
>>> step.replays, losses[0] == losses[2]
(1, True)
>>> w.grad                                            # three calls' gradients, summed
Tensor([[ 0.5921],
        [-1.0724]], shape=(2, 1), dtype=float32)
"""
from __future__ import annotations

import numpy as np

from . import engine, inplace, recording
from .tensor import Tensor

__all__ = ["jit", "Jit", "JitError"]


class JitError(RuntimeError):
    """A function cannot be replayed (the message says why and what to change)."""


# NumPy scalars are not here on purpose: they are usually computed from data.
_SCALARS = (bool, int, float, complex, str, type(None), slice, type(Ellipsis), np.dtype)


def _is_static(value):
    """A plain Python value (part of the op, the same on every call), not data."""
    if isinstance(value, (tuple, list)):
        return all(_is_static(v) for v in value)
    return isinstance(value, _SCALARS) or (isinstance(value, type) and issubclass(value, np.generic))


class Trace(recording.Watcher):
    """What one call did: primitive ops and kernels over numbered slots of arrays.

    It watches the call (see ``recording.Watcher``): every primitive, kernel
    and constant is reported to it, backward rules included.
    """

    traces_backward = True  # the backward's rules run on Tensors, so their ops are seen

    def __init__(self, args):
        self.slot_of = {}      # id(array) -> slot, for arrays made while tracing
        self.keep = []         # the arrays of slot_of, kept alive so that ids stay unique
        self.n = 0
        self.entries = []      # (callable, input slots, static kwargs, (name, slot)s, out slot, label)
        self.consts = []       # (slot, array): constants made from Python numbers
        self.leaves = []       # (slot, tensor): tensors from outside, read at replay
        self.leaf_slot = {}    # id(tensor) -> slot
        self.effects = []      # (tensor, slot): gradients accumulated into tensor.grad
        self.arg_effects = []  # (i, slot): the same, into the .grad of argument i
        self.arg_of = {id(a): i for i, a in reversed(list(enumerate(args)))}
        self.impure = None     # the first reason this call cannot be replayed
        self.backwards = 0     # backward passes run inside the call
        self.args = [self._new(a._data) for a in args]
        self.writes = inplace.last_write

    def _new(self, array):
        s, self.n = self.n, self.n + 1
        self.slot_of[id(array)] = s
        self.keep.append(array)
        return s

    def refuse(self, why):
        if self.impure is None:
            self.impure = why

    # -- what the ops, the engine and tensor.py report while tracing --
    def reads(self, what):
        self.refuse(f"it reads tensor values into Python ({what}), so what it does may depend "
                    f"on them")

    def backward(self, kind):
        self.backwards += 1
        if kind != "backward":
            self.refuse("it differentiates with create_graph=True or grad(); only backward() "
                        "can be replayed")

    def gradient(self, tensor, grad):
        if tensor._ctx is not None:
            self.refuse("it keeps the gradient of an intermediate (retain_grad)")
        i = self.arg_of.get(id(tensor))
        if i is None:
            self.effects.append((tensor, self.tensor_ref(grad)))
        else:            # an argument: each call's own argument i gets it
            self.arg_effects.append((i, self.tensor_ref(grad)))

    def constant(self, tensor, value):
        """``tensor`` was made from ``value``: a Python number is static; a traced array is a kernel."""
        if _is_static(value):
            self.consts.append((self._new(tensor._data), tensor._data))
        elif type(value) is np.ndarray and id(value) in self.slot_of:
            self.kernel(np.asarray, (value,), {"dtype": tensor._data.dtype}, tensor._data)

    def tensor_ref(self, t):
        s = self.slot_of.get(id(t._data))
        if s is not None:
            return s
        s = self.leaf_slot.get(id(t))
        if s is None:
            s = self.leaf_slot[id(t)] = self._new(t._data)
            self.leaves.append((s, t))
        return s

    def _value_ref(self, v):
        if type(v) is np.ndarray:
            s = self.slot_of.get(id(v))
            if s is None:
                self.refuse(f"an array of shape {v.shape} that was not computed by tinygrad_edu "
                            f"ops is used inside the function")
            return s
        if isinstance(v, Tensor):
            return self.tensor_ref(v)
        return None

    def _record(self, call, values, kwargs, out, label):
        ins = []
        for v in values:
            s = self._value_ref(v)
            if s is None and not _is_static(v):
                self.refuse(f"{label} got an input of type {type(v).__name__} that jit cannot follow")
            ins.append(("slot", s) if s is not None else ("value", v))
        static, dynamic = {}, []
        for k, v in kwargs.items():
            s = self._value_ref(v)
            if s is not None:
                dynamic.append((k, s))
            elif _is_static(v):
                static[k] = v
            else:
                self.refuse(f"{label} got {k}= of type {type(v).__name__} that jit cannot follow")
        if type(out) is not np.ndarray:
            self.refuse(f"{label} returned a {type(out).__name__}, not an array")
            return
        self.entries.append((call, tuple(ins), static, tuple(dynamic), self._new(out), label))

    def op(self, cls, inputs, kwargs, out):
        self._record(cls, inputs, kwargs, out._data, cls.__name__)

    def kernel(self, f, args, kwargs, out):
        self._record(f, args, kwargs, out, getattr(f, "__name__", repr(f)))

    # -- comparing two traces --
    def signature(self):
        """Everything that must be equal between two calls for a replay to be right."""
        entries = [(call, tuple(i if k == "slot" else ("value", repr(i)) for k, i in ins),
                    repr(sorted(static.items())), dyn, out)
                   for call, ins, static, dyn, out, _ in self.entries]
        consts = [(s, a.dtype.str, a.shape, a.tobytes()) for s, a in self.consts]
        structure = (self.n, self.args, entries, consts, [s for s, _ in self.leaves],
                     [s for _, s in self.effects], self.arg_effects)
        # Tensors from outside must be the very same objects on both calls.
        return structure, [id(t) for _, t in self.leaves] + [id(t) for t, _ in self.effects]


class Program:
    """A validated trace, ready to replay.

    Every value a step reads has a slot in one list, ``vals``: the arguments,
    the outside tensors' data, the constants (numbers written in the trace's
    calls become constant slots too) and each step's result.  A replay fills
    the first three and runs the steps in order -- one NumPy call each.
    """

    def __init__(self, trace, outputs):
        self.args = trace.args
        self.leaves = [(s, t, t._data.shape, t._data.dtype, t._requires_grad)
                       for s, t in trace.leaves]
        self.effects, self.arg_effects = trace.effects, trace.arg_effects
        self.outputs = outputs
        template = [None] * trace.n
        for s, a in trace.consts:
            template[s] = a
        self.steps = []
        for call, ins, static, dyn, out, _ in trace.entries:
            if isinstance(call, type):          # a primitive: its forward, on a fresh instance
                call = call().forward
            slots = []
            for kind, i in ins:
                if kind == "value":             # a number in the call: give it a slot
                    template.append(i)
                    i = len(template) - 1
                slots.append(i)
            self.steps.append((call, tuple(slots), static or None, dyn or None, out))
        self.template = template

    def matches(self):
        """Are the outside tensors still as traced (shape, dtype, requires_grad)?"""
        return all(t._data.shape == shape and t._data.dtype == dtype and t._requires_grad == rg
                   for _, t, shape, dtype, rg in self.leaves)

    def run(self, args):
        vals = self.template.copy()
        for s, a in zip(self.args, args):
            vals[s] = a._data
        for s, t, *_ in self.leaves:
            vals[s] = t._data
        for call, ins, static, dyn, out in self.steps:
            if dyn is not None:                 # keyword arrays, e.g. Where's cond
                kw = dict(static) if static else {}
                for k, s in dyn:
                    kw[k] = vals[s]
                r = call(*[vals[i] for i in ins], **kw)
            elif static is not None:
                r = call(*[vals[i] for i in ins], **static)
            elif len(ins) == 2:                 # the common case, spelled out (no list)
                r = call(vals[ins[0]], vals[ins[1]])
            else:
                r = call(*[vals[i] for i in ins])
            vals[out] = r if type(r) is np.ndarray else np.asarray(r)
        for t, s in self.effects:
            engine.accumulate(t, vals[s])
        for i, s in self.arg_effects:
            engine.accumulate(args[i], vals[s])
        return self.outputs(lambda s: Tensor._make(vals[s], False, None))


class Jit:
    """``fn`` traced on its first two calls per input shape, replayed after (see the module doc).

    With ``fallback=True`` a function that cannot be replayed is not an
    error: it simply runs eagerly from then on, and ``refused`` says why
    (this is ``Sequential.compile(jit_compile="auto")``).
    """

    def __init__(self, fn, fallback=False):
        self.fn = fn
        self.fallback = fallback
        self.programs = {}   # key -> Program, or the first Trace while waiting for the second
        self.replays = 0
        self.refused = None  # why fn is run eagerly (fallback=True only)

    def __call__(self, *args):
        if self.refused is not None:
            return self.fn(*args)
        for i, a in enumerate(args):
            if not isinstance(a, Tensor):
                raise TypeError(f"jit: argument {i} is a {type(a).__name__}; a jitted function "
                                f"takes Tensors (make constants Tensors outside, or close over them)")
        data = [id(a._data) for a in args]      # (which arguments are one array: f(x, x))
        key = (tuple((a._data.shape, a._data.dtype, a._requires_grad) for a in args),
               tuple(data.index(d) for d in data), recording.grad_enabled)
        known = self.programs.get(key)
        if isinstance(known, Program) and known.matches():
            self.replays += 1
            return known.run(args)
        if any(isinstance(w, Trace) for w in recording.watchers):
            return self._refuse("a jitted function cannot call another jitted function",
                                lambda: self.fn(*args))
        trace, result, outputs = self._trace(args)
        if trace.impure is not None:               # fn has run: its result stands
            return self._refuse(f"{self._name()} cannot be replayed: {trace.impure}.",
                                lambda: result)
        if not isinstance(known, Trace):
            self.programs[key] = trace          # first call: wait for a second trace
            return result
        (before, outside), (now, outside_now) = known.signature(), trace.signature()
        if before != now:
            return self._refuse(
                f"{self._name()} ran different operations on two calls with the same input "
                f"shapes (Python control flow that depends on the data?); it cannot be "
                f"replayed. Call it without jit.", lambda: result)
        if outside != outside_now:
            return self._refuse(
                f"{self._name()} makes a tensor from array data inside (e.g. Tensor(array), or "
                f"a constant computed with NumPy) and uses it in an op; it cannot be replayed. "
                f"Make constants outside the function, or pass them as arguments.",
                lambda: result)
        self.programs[key] = Program(trace, outputs)
        return result

    def _refuse(self, why, result):
        """Raise JitError -- or, with ``fallback``, go eager for good and return ``result()``."""
        if not self.fallback:
            raise JitError(f"jit: {why}")
        self.refused, self.programs = why, {}
        return result()

    def _name(self):
        return getattr(self.fn, "__name__", "the function")

    def _trace(self, args):
        """Run ``fn`` while recording it; returns the Trace (``impure`` set if it cannot replay).

        ``fn`` gets a stand-in for each leaf argument: a new Tensor viewing the same data.  So
        the trace tells the argument apart from a tensor the function closes over even when
        the caller passes that very tensor (``f(w)``, with ``w`` used inside).  The gradients
        that reached the stand-ins are then added into the arguments one by one, in the order
        they came, as a replay adds them.
        """
        given = [a if a._ctx is not None else Tensor._make(a._data.view(), a._requires_grad, None)
                 for a in args]
        with recording.watch(Trace(given)) as trace:
            result = self.fn(*given)
        for i, s in trace.arg_effects:
            engine.accumulate(args[i], trace.keep[s])
        if inplace.last_write != trace.writes:   # the cause to name first: an in-place op's
            trace.impure = None                     # own arrays would be blamed otherwise
            trace.refuse("something was changed in place (+=, x[i] = v, x.data = ..., or an "
                         "optimizer step); do that outside the jitted function")
        outside = [i for i, a in enumerate(args) if a._ctx is not None and a._requires_grad]
        if trace.backwards and outside:
            i = outside[0]
            trace.refuse(f"argument {i} (shape {args[i].shape}) was computed outside the function "
                         f"by ops that record a graph, so backward() inside goes on through "
                         f"them, which a replay cannot follow; pass it detached "
                         f"(x.detach().requires_grad_()) or compute it inside the function")
        return trace, result, self._outputs(trace, result)

    def _outputs(self, trace, result):
        """A function rebuilding the result's structure from slot values."""
        if result is None:
            return lambda get: None
        if isinstance(result, Tensor):
            s = trace.tensor_ref(result)
            return lambda get: get(s)
        if isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result):
            slots = [trace.tensor_ref(r) for r in result]
            return lambda get: tuple(get(s) for s in slots)
        trace.refuse(f"it returned a {type(result).__name__}; return a Tensor, a tuple of "
                     f"Tensors or None")
        return None


def jit(fn=None, *, fallback=False):
    """Trace ``fn`` on its first two calls for each input shape and replay it after.

    See the module docstring for the rules; :class:`JitError` explains any
    function that breaks them -- or, with ``fallback=True``, the function
    quietly runs eagerly instead.  Use as ``@jit`` or ``@jit(fallback=True)``.
    """
    if fn is None:
        return lambda f: Jit(f, fallback)
    return Jit(fn, fallback)
