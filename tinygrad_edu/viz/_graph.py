"""Build Graphviz drawings of the forward and backward graphs.

How it works, in four steps:

1. ``_Trace`` walks the graph from the roots through ``t._ctx.inputs``
   (iteratively, each tensor once), giving tensors inputs-before-outputs and
   one recorded ``Function`` per non-leaf tensor.
2. ``_groups`` decides what becomes one box: every primitive on its own
   (``collapse=None``), one box per derived op call such as ``sigmoid``
   (``collapse='op'``), or one per layer (``collapse='module'``), using the
   ``fn.scope`` names that ``autograd.scope`` / ``@composite`` record.
3. For gradients, ``_Trace.backprop`` re-runs the same derivative rules the
   engine runs (each ``Function.backward``, in reverse topological order, with
   recording off) on the retained graph, keeping the gradient that flows along
   every edge.  ``.grad`` is not touched.
4. ``_forward_graph`` / ``_backward_graph`` emit nodes, edges and clusters.
"""
from __future__ import annotations

import math
import os
import pathlib

import numpy as np

from ..tensor import Tensor
from .dot import (GraphvizNotFoundError, _add_legend, _Emitter, _new_graph, _output_format,
                  _write_graph)
from .style import (GRAD_BINS, GROUP_STYLE, OP_STYLE, ROLE_STYLE, _edge_colour, _fill_style, _fmt,
                    _node_colour, _norm, _shape_str, _summary, _zero_units, gradient_color)
from .groups import _Grouping
from .names import _Names
from .trace import _Trace

__all__ = ["draw_graph", "save_graph", "training_step_graphs", "gradient_color",
           "GraphvizNotFoundError", "GRAD_BINS"]

# ------------------------------------------------------------- draw_graph --
def draw_graph(*roots, mode="forward", params=None, inputs=None, show_data=True, show_grad=True,
               rankdir=None, collapse=None, legend=True, max_values=4, fold_constants=True,
               title=None):
    """Draw the computation graph that produced ``roots`` with Graphviz.

    Parameters
    ----------
    *roots : Tensor
        The outputs to draw (e.g. the loss).  Their graph must still exist:
        draw before ``backward()``, or call ``backward(retain_graph=True)``.
    mode : {'forward', 'backward'}
        ``'forward'``: tensors and ops, values flowing forward.
        ``'backward'``: one node per derivative rule (``'MatMul backward'``),
        edges from the output towards the leaves, each leaf's gradient
        accumulation labelled with its name and gradient shape; nodes and edges
        coloured by the norm of the gradient (see ``GRAD_BINS``).
    params : dict, Module or list of Tensor, optional
        Names for parameters (a Module's ``named_parameters()``).  By default
        a tensor's ``.name`` is used (``Dense`` sets ``'dense_1.kernel'``).
    inputs : dict or list of Tensor, optional
        Tensors to show as inputs (dict keys name them).  Unnamed leaves that
        need no gradient are inputs, or constants when they are scalars or are
        made inside a derived op (sigmoid's sign mask).
    show_data : bool
        Show values (tiny tensors in full, others as min / mean / max).
    show_grad : bool or 'all'
        Forward mode: show ``.grad`` where it exists (True), nothing (False),
        or d(root)/d(tensor) for every tensor, computed by re-running the
        derivative rules on the retained graph ('all').  Backward mode: show
        gradient norms and zero counts in the labels.
    rankdir : str, optional
        Graphviz layout direction.  Default ``'LR'`` for forward and ``'RL'``
        for backward, so both pictures have inputs on the left and the loss on
        the right.
    collapse : None, 'op', 'module' or list of str
        ``None`` draws every primitive (derived ops and layers become
        clusters); ``'op'`` draws each derived-op call (``sigmoid``,
        ``binary_cross_entropy``) as one box; ``'module'`` draws each layer
        (``dense_1``) as one box; a list collapses the scopes with those names.
    legend : bool
        Add a legend of node kinds (forward) or of the colour scale (backward).
    max_values : int
        Tensors with at most this many elements show all their values.
    fold_constants : bool
        Write scalar constants into the op's label (``Mul(·, -1)``) instead of
        drawing a node for each.
    title : str, optional
        A caption for the picture.

    Returns
    -------
    graphviz.Digraph
        Shows itself in Jupyter; ``.render(path, format='svg')``, ``.source``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([[0.5], [-1.0]], requires_grad=True, name="w")
    >>> x = tg.Tensor([[1.0], [2.0]], name="x")
    >>> y = (w.T @ x).sigmoid()
    >>> g = tg.draw_graph(y, collapse="op")
    >>> "sigmoid" in g.source and "w" in g.source
    True
    """
    if mode not in ("forward", "backward"):
        raise ValueError(f"draw_graph: mode must be 'forward' or 'backward', got {mode!r}")
    if len(roots) == 1 and isinstance(roots[0], (list, tuple)):
        roots = tuple(roots[0])
    if not roots:
        raise TypeError("draw_graph: give at least one Tensor to draw, e.g. draw_graph(loss)")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"draw_graph: roots must be Tensors, got {type(r).__name__}")
    if show_grad not in (True, False, "all"):
        raise ValueError(f"draw_graph: show_grad must be True, False or 'all', got {show_grad!r}")
    roots = list(dict.fromkeys(roots))          # unique, in order
    trace = _Trace(roots)
    names = _Names(params, inputs)
    grouping = _Grouping(trace, collapse, roots)
    rankdir = rankdir or ("LR" if mode == "forward" else "RL")
    graph = _new_graph(mode, rankdir)
    if title:
        graph.attr(label=title, labelloc="t", fontsize="13")
    ctx = dict(trace=trace, names=names, grouping=grouping, roots=roots,
               show_data=show_data, show_grad=show_grad, max_values=max_values,
               fold_constants=fold_constants)
    if mode == "forward":
        ctx["kinds"] = _forward_graph(graph, **ctx)
    else:
        if not any(r._requires_grad for r in roots):
            raise ValueError("draw_graph(mode='backward'): no root requires grad, so backward() "
                             "would have nothing to walk. Create the parameters with "
                             "requires_grad=True.")
        _backward_graph(graph, **ctx)
    if legend:
        if mode == "forward":
            _forward_legend(graph, rankdir, ctx["kinds"])
        else:
            _backward_legend(graph, rankdir)
    return graph


def _role(t, root_ids, names, trace, grouping):
    if id(t) in root_ids:
        return "output"
    if not trace.is_leaf(t):
        return "intermediate"
    if t._requires_grad or id(t) in names.params:
        return "parameter"
    if id(t) in names.inputs or t.name:
        return "input"
    if t.size <= 1:
        return "constant"
    made_inside_op = all(any(n in grouping.composites for n in grouping.scopes[c])
                         for c in trace.consumers.get(id(t), ()))
    return "constant" if made_inside_op else "input"


def _index_str(index):
    """x[0, 1:3, [int array]] written compactly."""
    def one(i):
        if isinstance(i, slice):
            text = ":".join("" if v is None else str(v) for v in (i.start, i.stop, i.step))
            return text[:-1] if i.step is None else text
        if isinstance(i, np.ndarray):
            return f"{i.dtype.kind == 'b' and 'mask' or 'array'}{i.shape}"
        return "..." if i is Ellipsis else repr(i)
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(one(i) for i in items) + "]"


def _op_label(fn, inputs, folded):
    """'Mul(·, -1)', 'Pow(·, -1)', 'Sum(axis=0)', 'Where' + mask line."""
    name = type(fn).__name__
    args = []
    if folded:
        args = [_fmt(np.asarray(x._data).reshape(-1)[0]) if id(x) in folded else "·"
                for x in inputs]
    extra = []
    if name == "Pow" and hasattr(fn, "exponent"):
        args = (args or ["·"]) + [_fmt(fn.exponent)]
    for attr in ("axis", "axes"):
        v = getattr(fn, attr, None)
        if v is not None and name != "Cat":
            extra.append(f"{attr}={v}")
    if name == "Cat":
        extra.append(f"axis={getattr(fn, 'axis', 0)}")
    label = name + (f"({', '.join(args)})" if args else "")
    index = getattr(fn, "index", None)
    if index is not None:
        label += _index_str(index)
    if extra:
        label += f" [{', '.join(extra)}]"
    cond = getattr(fn, "cond", None)
    if name == "Where" and cond is not None:
        cond = np.asarray(cond)
        label += f"\nmask {100.0 * cond.mean():.0f}% true"
    return label


def _forward_graph(graph, trace, names, grouping, roots,
                   show_data, show_grad, max_values, fold_constants):
    root_ids = {id(r) for r in roots}
    totals = trace.backprop()[0] if show_grad == "all" else {}
    em = _Emitter(graph)
    tid = {id(t): f"t{i}" for i, t in enumerate(trace.tensors)}
    roles = {id(t): _role(t, root_ids, names, trace, grouping)
             for t in trace.tensors if trace.is_leaf(t) or id(t) in root_ids}

    # Which leaves get no node: scalar constants folded into their op's label,
    # and constants used only inside a collapsed box.
    hidden = set()
    fn_group = grouping.fn_group
    for t in trace.tensors:
        if not trace.is_leaf(t) or roles[id(t)] != "constant" or id(t) in root_ids:
            continue
        users = {id(fn_group[c]) for c in trace.consumers.get(id(t), ())}
        collapsed_only = all(len(fn_group[c].members) > 1 or fn_group[c].level is not None
                             for c in trace.consumers.get(id(t), ()))
        if (fold_constants and t.size == 1) or (len(users) == 1 and collapsed_only):
            hidden.add(id(t))
    stale = trace.changed_in_place()

    kinds = set()
    visible = set()
    for g in grouping.groups:
        for x in g.ins:
            if id(x) not in hidden:
                visible.add(id(x))
        for o in g.outs:
            visible.add(id(o))
    for r in roots:
        visible.add(id(r))

    for t in trace.tensors:
        if id(t) not in visible:
            continue
        role = roles.get(id(t), "intermediate")
        name = names.of(t)
        lines = []
        if name:
            lines.append(name)
        elif role != "intermediate":
            lines.append(role)
        lines.append(_shape_str(t))
        if show_data:
            lines.append(_summary(t._data, max_values))
        grad = None
        if show_grad == "all":
            grad = totals.get(id(t))
        elif show_grad and t.grad is not None:
            grad = t.grad._data
        if grad is not None:
            lines.append("grad " + _summary(grad, max_values))
        if id(t) in stale:
            lines.append("! changed in place after this forward")
        if not trace.is_leaf(t):
            clusters = grouping.box_of(t).clusters
        elif role in ("parameter", "constant"):
            clusters = grouping.leaf_clusters(t)
        else:
            clusters = ()
        em.node(tid[id(t)], "\n".join(lines), clusters, tooltip=role, **ROLE_STYLE[role])
        kinds.add(role)

    for n, g in enumerate(grouping.groups):
        kinds.add("op" if g.level is None else "group")
        if g.level is None:
            fn, inputs = trace.fns[g.members[0]][0], trace.inputs_of(g.members[0])
            folded = {id(x) for x in inputs if id(x) in hidden}
            label = _op_label(fn, inputs, folded)
            scope = "/".join(grouping.scopes[g.members[0]])
            attrs = dict(OP_STYLE, tooltip="scope: " + (scope or "-"))
        else:
            label = f"{g.name}\n{grouping.parts(g)}"
            attrs = dict(GROUP_STYLE, tooltip=f"{len(g.members)} primitive ops")
        em.node(f"op{n}", label, g.clusters, **attrs)
        for x in g.ins:
            if id(x) in visible:
                uses = sum(1 for i in g.members for y in trace.inputs_of(i) if y is x)
                em.edge(tid[id(x)], f"op{n}", **({"label": f"×{uses}"} if uses > 1 else {}))
        for o in g.outs:
            em.edge(f"op{n}", tid[id(o)])
    em.finish()
    return kinds


def _backward_graph(graph, trace, names, grouping, roots,
                    show_data, show_grad, max_values, fold_constants):
    totals, edges = trace.backprop()
    em = _Emitter(graph)
    group_index = {id(g): n for n, g in enumerate(grouping.groups)}

    def grad_lines(arr):
        if not show_grad or arr is None:
            return []
        lines = [f"|grad| {_fmt(_norm(arr))}"]
        zeros = int(np.count_nonzero(np.asarray(arr) == 0))
        if zeros:
            lines.append(f"zeros {zeros}/{np.size(arr)}")
        return lines

    # gradient accumulation at the leaves
    leaf_node = {}
    for t in trace.tensors:
        if not trace.is_leaf(t) or not t._requires_grad:
            continue
        nid = f"acc{len(leaf_node)}"
        leaf_node[id(t)] = nid
        g = totals.get(id(t))
        name = names.of(t) or "leaf"
        lines = [name, f"grad {tuple(t.shape)}"] + grad_lines(g)
        dead = _zero_units(g) if g is not None else []
        if dead and len(dead) < t.shape[-1] and show_grad:
            lines.append(f"zero-grad units {dead} of {t.shape[-1]}")
        norm = _norm(g) if g is not None else 0.0
        em.node(nid, "\n".join(lines), grouping.leaf_clusters(t),
                shape="box", **_node_colour(norm))

    # one node per derivative rule (or per collapsed box)
    for n, g in enumerate(grouping.groups):
        incoming = [totals.get(id(o)) for o in g.outs]
        incoming = [a for a in incoming if a is not None]
        norm = math.sqrt(sum(_norm(a) ** 2 for a in incoming)) if incoming else 0.0
        if g.level is None:
            fn = trace.fns[g.members[0]][0]
            label = [f"{type(fn).__name__} backward"]
            tip_scope = "/".join(grouping.scopes[g.members[0]])
        else:
            label = [f"{g.name} backward", grouping.parts(g)]
            tip_scope = f"{len(g.members)} primitive ops"
        if show_grad and incoming:
            label.append(f"|grad in| {_fmt(norm)}")
            zeros = sum(int(np.count_nonzero(a == 0)) for a in incoming)
            if zeros:
                label.append(f"zeros {zeros}/{sum(a.size for a in incoming)}")
        attrs = _node_colour(norm)
        attrs["tooltip"] = f"{attrs['tooltip']}; scope: {tip_scope or '-'}"
        em.node(f"bw{n}", "\n".join(label), g.clusters,
                shape="ellipse" if g.level is None else "box3d", **attrs)
        # edges to where the gradient goes next: the producer of each input, or its leaf
        sent = {}
        for i in g.members:
            for pos, x in enumerate(trace.inputs_of(i)):
                gx = edges.get((i, pos))
                if gx is None or (trace.producer(x) is not None
                                  and grouping.box_of(x) is g):
                    continue
                sent[id(x)] = gx if id(x) not in sent else sent[id(x)] + gx
        for x in g.ins:
            if id(x) not in sent:
                continue
            if trace.is_leaf(x):
                target = leaf_node[id(x)]
            else:
                target = f"bw{group_index[id(grouping.box_of(x))]}"
            em.edge(f"bw{n}", target, **_edge_colour(_norm(sent[id(x)])))

    # the seeds: d root / d root = 1
    for r_i, r in enumerate(roots):
        if not r._requires_grad:
            continue
        name = names.of(r) or "output"
        seed = "1" if r.size == 1 else f"ones{tuple(r.shape)}"
        em.node(f"seed{r_i}", f"{name}\nd{name}/d{name} = {seed}", (), shape="box",
                style="rounded,filled,bold", fillcolor=ROLE_STYLE["output"]["fillcolor"])
        target = (leaf_node[id(r)] if trace.is_leaf(r)
                  else f"bw{group_index[id(grouping.box_of(r))]}")
        em.edge(f"seed{r_i}", target, **_edge_colour(_norm(np.ones(r.shape))))
    em.finish()


def _forward_legend(graph, rankdir, kinds):
    """One sample node per kind of node that appears in the graph."""
    entries = [(f"legend_{role}", role, ROLE_STYLE[role])
               for role in ("input", "parameter", "constant", "intermediate", "output")
               if role in kinds]
    if "op" in kinds:
        entries.append(("legend_op", "primitive op", OP_STYLE))
    if "group" in kinds:
        entries.append(("legend_group", "collapsed op / layer", GROUP_STYLE))
    _add_legend(graph, "legend", entries, rankdir)


def _backward_legend(graph, rankdir):
    """The colour scale: one sample node per bin of ``GRAD_BINS``, then 0 and nan / inf."""
    samples = [lo * 2 if lo else 1e-7 for lo, *_ in GRAD_BINS] + [0.0, float("nan")]
    entries = []
    for k, v in enumerate(samples):
        c = gradient_color(v)
        entries.append((f"legend_{k}", c["bin"], {"shape": "box", "style": _fill_style(c),
                                                  "fillcolor": c["fillcolor"],
                                                  "fontcolor": c["fontcolor"]}))
    _add_legend(graph, "gradient norm |grad| (log scale)", entries, rankdir)


# ------------------------------------------------------------- save_graph --
def save_graph(*roots, path=None, format=None, **kwargs):
    """Draw (or take) a graph and write it to ``path``; return the path.

    ``save_graph(loss, 'out/g.svg')`` and ``save_graph(graph, path='g.png')``
    both work.

    Parameters
    ----------
    *roots : Tensor, or one graphviz.Digraph from ``draw_graph``
        The last positional argument may be the path.
    path : str or os.PathLike
        Output file; folders are created.
    format : {'svg', 'png', 'pdf', 'dot'}, optional
        Default: from the file suffix, else 'svg'.  'dot' writes the DOT text
        and needs no Graphviz program.
    **kwargs
        Passed to :func:`draw_graph`.

    Examples
    --------
    >>> import tinygrad_edu as tg, tempfile, os
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> out = tg.save_graph((x * x).sum(), path=os.path.join(tempfile.mkdtemp(), "g.dot"))
    >>> out.read_text().startswith("digraph")
    True
    """
    if path is None and roots and isinstance(roots[-1], (str, os.PathLike)):
        roots, path = roots[:-1], roots[-1]
    if path is None:
        raise TypeError("save_graph: give the output file, e.g. save_graph(loss, 'out/graph.svg')")
    path = pathlib.Path(path)
    format = _output_format(path, format)
    if len(roots) == 1 and not isinstance(roots[0], Tensor) and hasattr(roots[0], "source"):
        if kwargs:
            raise TypeError("save_graph: drawing options cannot be applied to a drawn graph")
        graph = roots[0]
    else:
        graph = draw_graph(*roots, **kwargs)
    return _write_graph(graph, path, format)


# ------------------------------------------------- one training step, drawn --
def training_step_graphs(model, x, y, loss_fn, optimizer=None, forward_kwargs=None,
                         backward_kwargs=None):
    """Run one training step and return its ``(forward_graph, backward_graph)``.

    The order matters, and this function gets it right: zero the gradients
    (``optimizer.zero_grad()``, else ``model.zero_grad()``), forward, loss,
    ``loss.backward(retain_graph=True)`` (so the graph survives the backward),
    draw both graphs (the forward one with every tensor's gradient,
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
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x), name="X")
    if not isinstance(y, Tensor):
        y = Tensor(np.asarray(y, dtype=x.dtype), name="y")
    pred = model(x)
    loss = loss_fn(pred, y)
    if loss.name is None:
        loss.name = "loss"
    loss.backward(retain_graph=True)
    common = {"inputs": {x.name or "X": x, y.name or "y": y}}   # the batch shows as inputs
    if hasattr(model, "named_parameters"):
        common["params"] = model
    fwd = draw_graph(loss, mode="forward", **{**common, "show_grad": "all",
                                             **(forward_kwargs or {})})
    bwd = draw_graph(loss, mode="backward", **{**common, **(backward_kwargs or {})})
    if optimizer is not None:
        optimizer.step()
    return fwd, bwd
