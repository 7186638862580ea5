"""Steps 1 and 3 of drawing a graph: walk the recorded graph, and re-run its backward.

Step 1, the walk: :class:`_Trace` orders the graph from the tensors to draw
(the roots) down to the leaves with the engine's own ``toposort`` -- the
walk ``backward()`` and ``jit`` use -- and lists one ``Function`` per
non-leaf tensor.

Step 3, the gradients: :meth:`_Trace.backprop` runs the engine's own
``backpropagate`` over the graph again (the graph survives ``backward()``),
with a rule runner that also keeps the gradient flowing along every edge,
which ``backward()`` adds up and forgets.  ``.grad`` is not touched.

This module is the only part of ``viz`` that reads the engine's records
(``tensor._ctx``, ``fn.inputs``, ``fn.serial``, ``fn.backward``); the rest
asks the trace (:meth:`_Trace.producer`, :meth:`_Trace.inputs_of`, ...).
"""
from __future__ import annotations

import numpy as np

from .. import engine, inplace


class _Trace:
    """The graph reachable from ``roots``: tensors in topological order and their Functions.

    Parameters
    ----------
    roots : list of Tensor
        The tensors to draw, without repeats.

    Attributes
    ----------
    tensors : list of Tensor
        Every tensor of the graph, inputs before outputs (``engine.toposort``).
    fns : list of (Function, Tensor)
        Every recorded Function with the tensor it made, inputs before
        outputs; "Function ``i``" below means ``fns[i]``.
    consumers : dict
        ``id(tensor) -> [i, ...]``: the Functions that use the tensor.
    """

    def __init__(self, roots):
        self.roots = roots
        self.tensors = engine.toposort(roots, grad_only=False)
        self.fns = []
        self.fn_of = {}            # id(non-leaf tensor) -> index of the Function that made it
        self.consumers = {}
        fn_index = {}
        for t in self.tensors:
            fn = t._ctx
            if fn is not None:
                if id(fn) not in fn_index:
                    fn_index[id(fn)] = len(self.fns)
                    self.fns.append((fn, t))
                self.fn_of[id(t)] = fn_index[id(fn)]
        for i, (fn, _) in enumerate(self.fns):
            for x in fn.inputs:
                lst = self.consumers.setdefault(id(x), [])
                if not lst or lst[-1] != i:
                    lst.append(i)

    def producer(self, t):
        """Index of the Function that made tensor ``t`` of the graph, or None for a leaf."""
        return self.fn_of.get(id(t))

    def is_leaf(self, t):
        """True when tensor ``t`` of the graph was not made by a recorded Function."""
        return id(t) not in self.fn_of

    def inputs_of(self, i):
        """The input tensors of Function ``i``, in argument order."""
        return self.fns[i][0].inputs

    def changed_in_place(self):
        """Ids of the tensors changed in place after a Function of the graph used them."""
        stale = set()
        for fn, _ in self.fns:
            for x in fn.inputs:
                if inplace.written_after(x, fn.serial):
                    stale.add(id(x))
        return stale

    def after_backward(self):
        """Has a backward pass run through this graph (so gradients are there to show)?"""
        return (any(fn.freed for fn, _ in self.fns)
                or any(t.grad is not None for t in self.tensors if t._ctx is None))

    def backprop(self):
        """Run the engine over the graph again, keeping the gradient on every edge.

        Returns ``(totals, edges)``: ``totals[id(t)]`` is d(roots)/d(t) (an
        ndarray) for every tensor that gets a gradient, ``edges[(k, pos)]`` is
        the gradient that Function ``k`` sends to its input number ``pos``.
        Roots are seeded with ones, as ``backward()`` does for a scalar.  The
        rules run on arrays, as in a plain ``backward()``, and ``.grad`` is
        not touched; a graph that backward has used already is fine.
        """
        walk = self.walk()
        return walk.totals, walk.edges

    def walk(self):
        """:meth:`backprop`, also noting the rules in the order the engine runs them.

        Returns a :class:`_Walk`: ``totals`` and ``edges`` as in
        :meth:`backprop`, and ``order``, one ``(k, grad)`` per rule the engine
        ran, in its order: Function ``k`` got the gradient ``grad`` (an array
        shaped like its output).
        """
        walk = _Walk()

        def rule(fn, grad, out):
            if inplace.changed_since(fn):
                try:
                    inplace.check(fn, out)
                except RuntimeError as e:
                    raise RuntimeError(
                        f"draw_graph(mode='backward'): {e} Draw the backward graph before the "
                        f"optimizer step (see tinygrad_edu.viz.training_step_graphs).") from None
            grads = engine.local_gradients(fn, grad, out)
            k = self.fn_of[id(out)]
            walk.order.append((k, np.asarray(grad)))
            for pos, (x, gx) in enumerate(zip(fn.inputs, grads)):
                if gx is not None and x._requires_grad:
                    walk.edges[(k, pos)] = np.asarray(gx)
            return grads

        roots = [r for r in self.roots if r._requires_grad]
        seeds = [np.ones(r.shape, dtype=r.dtype) for r in roots]
        with np.errstate(all="ignore"):
            results = engine.backpropagate(roots, seeds, rule, wanted=set(self.tensors),
                                           retain_graph=True)
        walk.totals = {id(t): np.asarray(g) for t, g in results.items()}
        return walk


class _Walk:
    """What one run of the engine over a trace gave: ``totals``, ``edges`` and ``order``."""

    def __init__(self):
        self.totals = {}           # id(tensor) -> d(roots)/d(tensor)
        self.edges = {}            # (k, pos) -> gradient Function k sent to its input pos
        self.order = []            # (k, gradient arriving at Function k's output), engine order
