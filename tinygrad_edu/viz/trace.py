"""Steps 1 and 3 of drawing a graph: walk the recorded graph, and re-run its backward.

Step 1, the walk: :class:`_Trace` starts at the tensors to draw (the roots)
and follows each tensor's recorded ``Function`` to that function's inputs,
until it reaches the leaves.  It visits every tensor once and never recurses
(a 100,000-op chain is fine), and lists the tensors inputs-before-outputs
together with one ``Function`` per non-leaf tensor.

Step 3, the gradients: :meth:`_Trace.backprop` runs the same derivative
rules as ``backward()`` (each ``Function.backward``, in reverse topological
order, with recording off) on the retained graph, and keeps the gradient that
flows along every edge, which ``backward()`` adds up and forgets.  ``.grad``
is not touched.

This module is the only part of ``viz`` that reads the engine's records
(``tensor._ctx``, ``fn.inputs``, ``fn.versions``, ``fn.backward``); the rest
asks the trace (:meth:`_Trace.producer`, :meth:`_Trace.inputs_of`, ...).
"""
from __future__ import annotations

import numpy as np

from .. import autograd, inplace
from ..tensor import Tensor


class _Trace:
    """The graph reachable from ``roots``: tensors in topological order and their Functions.

    Parameters
    ----------
    roots : list of Tensor
        The tensors to draw, without repeats.

    Attributes
    ----------
    tensors : list of Tensor
        Every tensor of the graph, inputs before outputs.
    fns : list of (Function, Tensor)
        Every recorded Function with the tensor it made, inputs before
        outputs; "Function ``i``" below means ``fns[i]``.
    consumers : dict
        ``id(tensor) -> [i, ...]``: the Functions that use the tensor.
    """

    def __init__(self, roots):
        self.roots = roots
        self.tensors = []
        self.fns = []
        self.fn_of = {}            # id(non-leaf tensor) -> index of the Function that made it
        self.consumers = {}
        self._walk()
        for i, (fn, _) in enumerate(self.fns):
            for x in fn.inputs:
                lst = self.consumers.setdefault(id(x), [])
                if not lst or lst[-1] != i:
                    lst.append(i)

    def _walk(self):
        """Depth-first from the roots with an explicit stack: each tensor once, inputs first."""
        seen, fn_index = set(), {}
        stack = [(r, False) for r in reversed(self.roots)]
        while stack:
            t, inputs_done = stack.pop()
            if inputs_done:
                self.tensors.append(t)
                fn = t._ctx
                if fn is not None:
                    if id(fn) not in fn_index:     # (an in-place op's fn may have 2 outputs)
                        fn_index[id(fn)] = len(self.fns)
                        self.fns.append((fn, t))
                    self.fn_of[id(t)] = fn_index[id(fn)]
                continue
            if id(t) in seen:
                continue
            seen.add(id(t))
            stack.append((t, True))
            fn = t._ctx
            if fn is None:
                continue
            if getattr(fn, "inputs", None) is None:
                raise RuntimeError(
                    f"draw_graph: the graph behind this tensor (shape {t.shape}, made by "
                    f"{type(fn).__name__}) was freed by backward(). Draw the graph before calling "
                    f"backward(), or call backward(retain_graph=True) to keep it (see "
                    f"tinygrad_edu.viz.training_step_graphs).")
            for x in reversed(fn.inputs):
                if id(x) not in seen:
                    stack.append((x, False))

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
            for x, v in zip(fn.inputs, getattr(fn, "versions", ())):
                if x._version != v:
                    stale.add(id(x))
        return stale

    def backprop(self):
        """Re-run the engine's derivative rules on the retained graph, recording every edge.

        Returns ``(totals, edges)``: ``totals[id(t)]`` is d(roots)/d(t) (an
        ndarray) for every tensor that gets a gradient, ``edges[(k, pos)]`` is
        the gradient that Function ``k`` sends to its input number ``pos``.
        Roots are seeded with ones, as ``backward()`` does for a scalar.
        """
        totals, edges = {}, {}
        for r in self.roots:
            if r._requires_grad:
                seed = np.ones(r.shape, dtype=r.dtype)
                totals[id(r)] = totals[id(r)] + seed if id(r) in totals else seed
        with autograd.no_grad(), np.errstate(all="ignore"):
            for t in reversed(self.tensors):
                g = totals.get(id(t))
                fn = t._ctx
                if g is None or fn is None:
                    continue
                if fn.needs_input_values:
                    try:
                        inplace.check_versions(fn, t)
                    except RuntimeError as e:
                        raise RuntimeError(
                            f"draw_graph(mode='backward'): {e} Draw the backward graph before the "
                            f"optimizer step (see tinygrad_edu.viz.training_step_graphs)."
                        ) from None
                in_grads = fn.backward(Tensor._make(g, False, None), t)
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
                k = self.fn_of[id(t)]
                for pos, (x, gx) in enumerate(zip(fn.inputs, in_grads)):
                    if gx is None or not x._requires_grad:
                        continue
                    gx = gx._data
                    edges[(k, pos)] = gx
                    prev = totals.get(id(x))
                    totals[id(x)] = gx if prev is None else prev + gx
        return totals, edges
