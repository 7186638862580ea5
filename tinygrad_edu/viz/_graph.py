"""The public entry points: ``draw_graph`` and ``training_step_graphs`` (``save_graph``: ``viz.saving``).

A drawing is made in four steps, each in a module of its own:

1. ``viz.trace``: ``_Trace`` walks the graph from the roots to the leaves
   (iteratively, each tensor once), giving tensors inputs-before-outputs and
   one recorded ``Function`` per non-leaf tensor.
2. ``viz.groups``: ``_Grouping`` decides what becomes one box: every
   primitive on its own (``collapse=None``), one box per derived-op call such
   as ``sigmoid`` (``collapse='op'``), or one per layer
   (``collapse='module'``), using the ``fn.scope`` names that
   ``autograd.scope`` / ``@composite`` record.
3. ``viz.trace`` again, for gradients: ``_Trace.backprop`` re-runs the same
   derivative rules the engine runs (each ``Function.backward``, in reverse
   topological order, with recording off) on the retained graph, keeping the
   gradient that flows along every edge.  ``.grad`` is not touched.
4. ``viz.forward`` / ``viz.backward`` emit the nodes, edges and clusters of
   the two views, named by ``viz.names``, styled by ``viz.style`` and
   written as DOT by ``viz.dot``.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor
from .backward import _backward_graph
from .dot import GraphvizNotFoundError, _new_graph
from .forward import _forward_graph
from .groups import _Grouping
from .names import _Names
from .style import GRAD_BINS, gradient_color
from .trace import _Trace

__all__ = ["draw_graph", "training_step_graphs", "gradient_color",
           "GraphvizNotFoundError", "GRAD_BINS"]


# ------------------------------------------------------------- draw_graph --
def draw_graph(*roots, mode="forward", params=None, inputs=None, show_data=True, show_grad=True,
               rankdir=None, collapse=None, legend=True, max_values=4, fold_constants=True,
               title=None, grad_scale="relative"):
    """Draw the computation graph that produced ``roots`` (see ``docs/graphs.md``).

    Parameters
    ----------
    *roots : Tensor
        What to draw (the loss), before or after ``backward()``: the graph outlives a
        backward pass, and after one every node shows the gradient that reached it.
    mode : {'forward', 'backward'}
        Tensors and ops with their values; or one node per derivative rule
        (``'MatMul backward'``), coloured by the gradient's norm (see ``grad_scale``).
    params, inputs : dict, Module or list of Tensor, optional
        Names for parameters (a Module's ``named_parameters()``) and inputs;
        by default ``.name``.  An unnamed leaf without gradient is an input, or
        a constant if a scalar or made inside a derived op (sigmoid's mask).
    show_data : bool
        Show values (tiny tensors in full, others as min / mean / max).
    show_grad : bool or 'all'
        Forward: d(root)/d(tensor) for every tensor ('all'; the default True
        does this once a backward pass has run through the graph, and shows
        nothing before), or nothing (False).  Backward: gradient norms and
        zero counts.
    rankdir : str, optional
        Default 'TB' forward, 'BT' backward: inputs at the top, the loss at
        the bottom, legible at page width ('LR' / 'RL': left to right).
    collapse : None, 'op', 'module' or list of str
        One box per primitive (None), per derived-op call ('op': ``sigmoid``),
        per layer ('module': ``dense_1``) or per call of the named scopes;
        the scopes around a box are drawn as frames.
    legend : bool
        Add a legend of node kinds (forward) or of the colours (backward).
    max_values : int
        Tensors with at most this many elements show all their values.
    fold_constants : bool
        Write scalar constants into the op's label (``Mul(·, -1)``).
    title : str, optional
    grad_scale : {'relative', 'absolute'}
        Backward colours: spread over this graph's own norms, or one per
        decade (``GRAD_BINS``).

    Returns
    -------
    graphviz.Digraph
        Shows itself in Jupyter; ``.render(path, format='svg')``, ``.source``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([[0.5], [-1.0]], requires_grad=True, name="w")
    >>> "sigmoid" in tg.draw_graph((w.T @ w).sigmoid(), collapse="op").source
    True
    """
    roots = _check_roots(roots, mode, show_grad)
    _check_options("draw_graph", rankdir=rankdir, max_values=max_values, grad_scale=grad_scale)
    trace = _Trace(roots)
    grouping = _Grouping(trace, collapse, roots)
    options = dict(show_data=show_data, show_grad=show_grad, rankdir=rankdir, legend=legend,
                   max_values=max_values, fold_constants=fold_constants, title=title,
                   grad_scale=grad_scale)
    return _draw(trace, grouping, _Names(params, inputs), roots, mode, options)[0]


def _draw(trace, grouping, names, roots, mode, options):
    """Draw one view of ``trace`` with the boxes of ``grouping``; return ``(graph, shown)``.

    ``options`` holds ``draw_graph``'s drawing options; ``shown`` maps each
    node name to what it shows (see ``_forward_graph`` and ``_backward_graph``).
    """
    o = options
    graph = _new_graph(mode, o["rankdir"] or ("TB" if mode == "forward" else "BT"), o["title"])
    if mode == "forward":
        shown = _forward_graph(graph, trace, grouping, names, roots, o["show_data"],
                               o["show_grad"], o["max_values"], o["fold_constants"], o["legend"])
    else:
        shown = _backward_graph(graph, trace, grouping, names, roots, o["show_grad"],
                                o["legend"], o["grad_scale"])
    return graph, shown


def _check_roots(roots, mode, show_grad, what="draw_graph"):
    """Check ``draw_graph``'s arguments; return the roots as a list without repeats."""
    if mode not in ("forward", "backward"):
        raise ValueError(f"{what}: mode must be 'forward' or 'backward', got {mode!r}")
    if len(roots) == 1 and isinstance(roots[0], (list, tuple)):
        roots = tuple(roots[0])
    if not roots:
        raise TypeError(f"{what}: give at least one Tensor to draw, e.g. {what}(loss)")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"{what}: roots must be Tensors, got {type(r).__name__}")
    if show_grad not in (True, False, "all"):
        raise ValueError(f"{what}: show_grad must be True, False or 'all', got {show_grad!r}")
    return list(dict.fromkeys(roots))          # unique, in order


def _check_options(what, rankdir=None, grad_scale="relative", **counts):
    """Check the drawing options Graphviz or the colour scale would take silently
    (a wrong ``rankdir`` fails only when the picture is laid out)."""
    if rankdir not in (None, "TB", "BT", "LR", "RL"):
        raise ValueError(f"{what}: rankdir must be 'TB', 'BT', 'LR' or 'RL', got {rankdir!r}")
    if grad_scale not in ("relative", "absolute"):
        raise ValueError(f"{what}: grad_scale must be 'relative' or 'absolute', got "
                         f"{grad_scale!r}")
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{what}: {name} must be an integer >= 0, got {value!r}")


# ------------------------------------------------- one training step, drawn --
def training_step_graphs(model, x, y, loss_fn, optimizer=None, forward_kwargs=None,
                         backward_kwargs=None):
    """Run one training step and return its ``(forward_graph, backward_graph)``.

    The order matters, and this function gets it right: zero the gradients
    (``optimizer.zero_grad()``, else ``model.zero_grad()``), forward, loss,
    ``loss.backward()``, draw both graphs (the forward one with every tensor's gradient,
    ``show_grad='all'``), *then* ``optimizer.step()``.  A drawing is text, so
    it stays valid after the parameters change.

    Parameters
    ----------
    model : callable
        ``model(x)`` returns predictions (a Module, or any function of Tensors).
    x, y : Tensor or array_like
        One batch.
    loss_fn : callable
        ``loss_fn(pred, y)`` returns a scalar Tensor.
    optimizer : object with ``step()`` (and ``zero_grad()``), optional
    forward_kwargs, backward_kwargs : dict, optional
        Options for the two :func:`draw_graph` calls.  When ``model`` has
        ``named_parameters()`` it is passed as ``params``.

    Returns
    -------
    (graphviz.Digraph, graphviz.Digraph)
    """
    if optimizer is not None and hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()                 # a training step starts from zero gradients
    elif hasattr(model, "zero_grad"):
        model.zero_grad()
    x, y = _as_batch(x, y)
    pred = model(x)
    loss = loss_fn(pred, y)
    if loss.name is None:
        loss.name = "loss"
    loss.backward()
    common = {"inputs": {x.name or "X": x, y.name or "y": y}}   # the batch shows as inputs
    if hasattr(model, "named_parameters"):
        common["params"] = model
    fwd = draw_graph(loss, mode="forward", **{**common, "show_grad": "all",
                                             **(forward_kwargs or {})})
    bwd = draw_graph(loss, mode="backward", **{**common, **(backward_kwargs or {})})
    if optimizer is not None:
        optimizer.step()
    return fwd, bwd


def _as_batch(x, y):
    """The batch as Tensors: arrays become ``X`` and ``y`` (``y`` in ``x``'s dtype)."""
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x), name="X")
    if not isinstance(y, Tensor):
        y = Tensor(np.asarray(y, dtype=x.dtype), name="y")
    return x, y
