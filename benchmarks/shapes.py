"""Where an op's record lives, measured: on its output (one object per op) or on a Function.

tinygrad_edu records an op on two objects: the output Tensor, and a
``Function`` (``out._ctx``) holding the op's inputs, its clock reading, its
scope and its freed flag.  ``floor.py`` records it on one node and checks
nothing.  So the distance between them mixes three things: the engine's
features, the second object, and the layers of calls between an operator
and NumPy.  This module separates them on B4's chain.

It holds one tiny engine with tinygrad_edu's features on the hot path -- the
``try`` that names a failing op, the float-dtype and grad-mode tests, the
watcher test, the clock, the scope, the freed flag and the in-place test in
the rule, numbers lifted to constants by the same fast path, the seven
fields of a Tensor, the results kept for ``.grad`` and ``retain_grad`` --
written twice, differing only in where the record is kept:

- :func:`chain_forward_backward` with ``one_node=True``: on the output node,
  as micrograd's ``Value`` keeps ``_prev`` and ``_op``;
- with ``one_node=False``: on a second object per op, as tinygrad_edu does.

The rules are tinygrad_edu's on arrays, each gradient tested against its
input's shape and summed back when the input was broadcast.  Then the same
two engines again with the layers tinygrad_edu puts between an operator and
NumPy (:class:`Layered`, :class:`Op`, :func:`rule_on_arrays`): operator
methods and ``_lift``, each op a class whose ``apply`` calls ``forward`` as
a Python method, a rule runner, and rules reading ``saved`` and summing back
with ``sum_to``.  With a record apart, that one reproduces tinygrad_edu's
time.  Nothing imports this module but the benchmarks;
``tests/test_benchmarks.py`` checks that its four engines give the
hand-written chain's numbers bit for bit.  Run it as

    python -m benchmarks.shapes [ROUNDS]

which prints, per op of the 10,000-op chain, the best CPU time of each
phase (forward, backward, freeing the graph) over ROUNDS interleaved calls
(default 25), their sum and its ratio to the hand-written chain.
"""
from __future__ import annotations

import itertools
import sys
import time

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.function import Function

from .floor import _sum_to

_F32, _ndarray, _asarray, _new = np.dtype(np.float32), np.ndarray, np.asarray, object.__new__
grad_enabled, scope_names, watchers, last_write = True, (), (), -1
clock = itertools.count()


class Value:
    """A Tensor's seven fields, and room for an op's record on the node itself."""
    __slots__ = ("_data", "grad", "_requires_grad", "_ctx", "name", "_version", "_retain_grad",
                 "inputs", "serial", "scope", "freed")


class Record:
    """An op's record on an object of its own: a Function's fields."""
    __slots__ = ("inputs", "serial", "scope", "freed", "rule")


def _make(data, requires_grad, ctx, kind=Value):
    t = _new(kind)
    t._data, t.grad, t._requires_grad, t._ctx = data, None, requires_grad, ctx
    t.name, t._version, t._retain_grad = None, 0, False
    return t


# ------------------------------------------------------------------ rules ----
def _mul(rec, g, out):
    a, b = rec.inputs
    return (_shaped(g * b._data, a) if a._requires_grad else None,
            _shaped(g * a._data, b) if b._requires_grad else None)


def _add(rec, g, out):
    a, b = rec.inputs
    return (_shaped(g, a) if a._requires_grad else None,
            _shaped(g, b) if b._requires_grad else None)


def _shaped(g, x):
    """``g`` summed back to ``x``'s shape when ``x`` was broadcast (the floor's sum)."""
    shape = x._data.shape
    return g if g.shape == shape else _sum_to(g, shape)


def _tanh(rec, g, out):
    return (g * (1 - out * out),)


def _sum(rec, g, out):
    grad = np.empty(rec.inputs[0]._data.shape, dtype=g.dtype)
    grad.fill(g)
    return (grad,)


def _total(a):
    return np.add.reduce(a, axis=None)


# --------------------------------------------------------------- recording ----
def apply(forward, rule, one_node, *inputs):
    """Run ``forward`` on the inputs' arrays and record the op, on the output or apart."""
    try:
        data = forward(*[t._data for t in inputs]) if len(inputs) != 2 else \
            forward(inputs[0]._data, inputs[1]._data)
    except (ValueError, IndexError, TypeError) as e:
        raise RuntimeError(f"{rule.__name__[1:]}: {e}") from None
    if type(data) is not _ndarray:
        data = _asarray(data)
    dtype = data.dtype
    out = None
    if grad_enabled and (dtype is _F32 or dtype.kind == "f"):
        for t in inputs:
            if t._requires_grad:
                if one_node:        # the node is the record; _ctx names the rule
                    out = _make(data, True, rule)
                    rec = out
                else:
                    rec = _new(Record)
                    rec.rule = rule
                    out = _make(data, True, rec)
                rec.inputs, rec.serial, rec.scope, rec.freed = inputs, next(clock), scope_names, False
                break
    if out is None:
        out = _make(data, False, None)
    if watchers:                    # (never: the test is what is paid)
        raise AssertionError
    return out


def lift(like, number):
    """A Python number as a constant of ``like``'s dtype (tinygrad_edu's ``_lift`` fast path)."""
    dtype = like._data.dtype
    if (type(number) is float or type(number) is int) and (dtype is _F32 or dtype.kind == "f"):
        t = _make(_asarray(number, dtype=dtype), False, None)
        if watchers:
            raise AssertionError
        return t
    raise TypeError(f"not a number: {number!r}")


# -------------------------------------------------------------- the walks ----
# (``rec``: where the op's record is -- the node itself, or the object in ``_ctx``.)
def toposort(root, one_node):
    """Tensors that require grad, inputs first, ordered by their op's clock reading."""
    found, stack = {root: root.serial if one_node else root._ctx.serial}, [root]
    while stack:
        t = stack.pop()
        if t._ctx is None:
            continue
        for x in (t if one_node else t._ctx).inputs:
            if x._requires_grad and x not in found:
                found[x] = -1 if x._ctx is None else (x if one_node else x._ctx).serial
                stack.append(x)
    return sorted(found, key=found.__getitem__)


def backpropagate(root, seed, one_node):
    """tinygrad_edu's loop: the results are the leaves' gradients and the retained ones."""
    grads, results = {root: seed}, {}
    for t in reversed(toposort(root, one_node)):
        g = grads.pop(t, None)
        if g is None:
            continue
        ctx = t._ctx
        if ctx is None or t._retain_grad:
            results[t] = g
        if ctx is None:
            continue
        rec, rule = (t, ctx) if one_node else (ctx, ctx.rule)
        if rec.freed or rec.serial < last_write:
            raise RuntimeError("freed, or changed in place")
        gs = rule(rec, g, t._data)
        for x, gx in zip(rec.inputs, gs if type(gs) is tuple else (gs,)):
            if gx is not None and x._requires_grad:
                grads[x] = grads[x] + gx if x in grads else gx
        rec.freed = True
    return results


# ------------------------------------------- the same two engines, with our layers ----
# tinygrad_edu's layers between an operator and NumPy, as ops.py and engine.py have
# them: ``y * c`` goes through an operator method, ``_lift``, the op's ``apply``
# and ``forward`` as a Python method; the backward through a rule runner, and
# rules that read their inputs with ``saved`` and sum back with ``sum_to``.
class Layered(Value):
    """A Value with the Tensor's operators; the op is recorded on the node itself."""
    __slots__ = ()
    one_node = True

    def __mul__(self, other):
        return Mul.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __add__(self, other):
        return Add.apply(self, other if isinstance(other, Value) else self._lift(other))

    def tanh(self):
        return Tanh.apply(self)

    def _lift(self, number):
        dtype = self._data.dtype
        if (type(number) is float or type(number) is int) and (dtype is _F32 or dtype.kind == "f"):
            t = _make(_asarray(number, dtype=dtype), False, None, type(self))
            if watchers:
                raise AssertionError
            return t
        raise TypeError(f"not a number: {number!r}")

    @property
    def shape(self):
        return self._data.shape

    saved = Function.saved


class LayeredApart(Layered):
    """The same, with each op recorded on an instance of its class (a Function)."""
    __slots__ = ()
    one_node = False


class Op:
    """A primitive as ops.py writes one: a class, ``apply``, ``forward`` and ``backward``.

    Mul, Add and Tanh below take their ``forward`` and ``backward`` from ops.py
    itself (the rules call ``self.saved``, hence Function's here and on
    :class:`Layered`, whose nodes are the rules' ``self`` on one node).
    """
    __slots__ = ("inputs", "serial", "scope", "freed")
    saved = Function.saved

    @classmethod
    def apply(cls, *inputs):
        kind = type(inputs[0])
        fn = None if kind.one_node else cls()       # (on one node, forward's self is None)
        try:
            data = (cls.forward(fn, inputs[0]._data, inputs[1]._data) if len(inputs) == 2
                    else cls.forward(fn, inputs[0]._data))
        except (ValueError, IndexError, TypeError) as e:
            raise RuntimeError(f"{cls.__name__.lower()}: {e}") from None
        if type(data) is not _ndarray:
            data = _asarray(data)
        dtype, out = data.dtype, None
        if grad_enabled and (dtype is _F32 or dtype.kind == "f"):
            for t in inputs:
                if t._requires_grad:
                    if fn is None:
                        out = rec = _make(data, True, cls, kind)
                    else:
                        out, rec = _make(data, True, fn, kind), fn
                    rec.inputs, rec.serial = inputs, next(clock)
                    rec.scope, rec.freed = scope_names, False
                    break
        if out is None:
            out = _make(data, False, None, kind)
        if watchers:
            raise AssertionError
        return out


class Mul(Op):
    __slots__ = ()
    forward, backward = ops.Mul.forward, ops.Mul.backward


class Add(Op):
    __slots__ = ()
    forward, backward = ops.Add.forward, ops.Add.backward


class Tanh(Op):
    __slots__ = ()
    forward, backward = ops.Tanh.forward, ops.Tanh.backward


class Sum(Op):
    __slots__ = ()

    def forward(self, x):
        return _total(x)

    def backward(self, grad, out):
        return _sum(self, grad, out)


def rule_on_arrays(ctx, grad, t):
    """The engine's rule runner: the checks, then the op's rule on arrays."""
    rec = t if t.one_node else ctx
    if rec.freed or rec.serial < last_write:
        raise RuntimeError("freed, or changed in place")
    grads = ctx.backward(rec, grad, t._data) if t.one_node else ctx.backward(grad, t._data)
    return grads if type(grads) is tuple else (grads,)


def layered_backpropagate(root, seed):
    """``backpropagate`` as engine.py writes it, the rule run by :func:`rule_on_arrays`."""
    one_node = root.one_node
    grads, results = {root: seed}, {}
    for t in reversed(toposort(root, one_node)):
        g = grads.pop(t, None)
        if g is None:
            continue
        ctx = t._ctx
        if ctx is None or t._retain_grad:
            results[t] = g
        if ctx is None:
            continue
        for x, gx in zip((t if one_node else ctx).inputs, rule_on_arrays(ctx, g, t)):
            if gx is not None and x._requires_grad:
                grads[x] = grads[x] + gx if x in grads else gx
        (t if one_node else ctx).freed = True
    return results


# ------------------------------------------------------- the benchmarked work ----
def chain(x, consts, n_ops, one_node):
    """The B4 chain on ``x`` and its sum, recorded one way or the other."""
    y = x
    for i in range(n_ops):
        if i % 10 == 9:
            y = apply(np.tanh, _tanh, one_node, y)
        elif i % 2 == 0:
            y = apply(np.multiply, _mul, one_node, y, lift(y, consts[i]))
        else:
            y = apply(np.add, _add, one_node, y, lift(y, consts[i]))
    return y, apply(_total, _sum, one_node, y)


def backward(x, loss, one_node):
    """``loss.backward()`` for the one leaf ``x``: its gradient, copied into ``x.grad``."""
    g = backpropagate(loss, np.ones((), dtype=loss._data.dtype), one_node)[x]
    x.grad = _make(np.array(g, dtype=x._data.dtype, copy=True), False, None)


def layered_backward(x, loss):
    """:func:`backward` through :func:`layered_backpropagate`."""
    g = layered_backpropagate(loss, np.ones((), dtype=loss._data.dtype))[x]
    x.grad = _make(np.array(g, dtype=x._data.dtype, copy=True), False, None, type(x))


def chain_forward_backward(x0, consts, n_ops, one_node):
    """The B4 chain; returns (y, dy/dx summed) as arrays, like the other implementations."""
    x = _make(np.array(x0), True, None)
    y, loss = chain(x, consts, n_ops, one_node)
    backward(x, loss, one_node)
    return y._data, x.grad._data


def _phases(x0, consts, n):
    """name -> (forward, backward): the forward returns what the backward needs."""
    from tinygrad_edu import Tensor
    from . import floor, ours

    def ours_forward():
        x = Tensor(x0, requires_grad=True)
        return x, ours.chain(x, consts, n).sum()

    def floor_forward():
        x = floor.Node(np.array(x0), True)
        return x, floor.total(floor.chain(x, consts, n))

    def mine(one_node):
        def forward():
            x = _make(np.array(x0), True, None)
            return x, chain(x, consts, n, one_node)[1]
        return forward, lambda s: backward(*s, one_node)

    def layered(kind):             # ours.chain is written with operators only
        def forward():
            x = _make(np.array(x0), True, None, kind)
            return x, Sum.apply(ours.chain(x, consts, n))
        return forward, lambda s: layered_backward(*s)
    return {"floor (one node, no checks)": (floor_forward, lambda s: floor.backward(s[1])),
            "features, one node per op": mine(True),
            "features, a node and a record per op": mine(False),
            "features and our layers, one node": layered(Layered),
            "features and our layers, node + record": layered(LayeredApart),
            "tinygrad_edu": (ours_forward, lambda s: s[1].backward())}


def _time(phases, hand_written, rounds):
    """Best CPU time of each phase (forward, backward, freeing the graph), interleaved."""
    best = {name: [float("inf")] * 3 for name in phases}
    best["hand-written NumPy"] = [float("inf"), 0.0, 0.0]     # (its phases are one loop)
    for _ in range(rounds):         # interleaved: a slow minute hits every column alike
        for name, (forward, back) in phases.items():
            b, t0 = best[name], time.process_time()
            state = forward()
            t1 = time.process_time()
            back(state)
            t2 = time.process_time()
            del state
            t3 = time.process_time()
            b[:] = min(b[0], t1 - t0), min(b[1], t2 - t1), min(b[2], t3 - t2)
        t0 = time.process_time()
        hand_written()
        best["hand-written NumPy"][0] = min(best["hand-written NumPy"][0], time.process_time() - t0)
    return best


def main(argv=None):
    from . import handwritten as hw
    from .suite import _chain_consts
    argv = sys.argv[1:] if argv is None else argv
    rounds, n = int(argv[0]) if argv else 25, 10_000
    x0 = np.random.default_rng(2).uniform(-0.5, 0.5, 16).astype(np.float32)
    consts = _chain_consts(n)
    phases = _phases(x0, consts, n)
    best = _time(phases, lambda: hw.chain_forward_backward(x0, consts, n), rounds)
    base = best["hand-written NumPy"][0]
    print(f"{'B4 chain, 10,000 ops, per op':38s} {'total':>8s} {'ratio':>6s} "
          f"{'forward':>8s} {'backward':>9s} {'freeing':>8s}   (us, best of {rounds})")
    for name, (f, b, free) in best.items():
        total = f + b + free
        print(f"{name:38s} {total / n * 1e6:8.2f} {total / base:5.2f}x "
              f"{f / n * 1e6:8.2f} {b / n * 1e6:9.2f} {free / n * 1e6:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
