"""Step 4, backward view: the graph that ``backward()`` walks, coloured by gradient size.

:func:`_backward_graph` draws, from the loss towards the leaves:

* a seed per root, ``dloss/dloss = 1``;
* one node per derivative rule (``MatMul backward``), or per collapsed box
  (``sigmoid backward``), labelled with the norm of the gradient flowing in;
* one node per leaf that requires grad, where its gradient accumulates
  (``dense_1.kernel``, ``grad (2, 4)``), with the units whose gradient is
  exactly zero;
* an edge for every gradient sent on, with the norm of what it carries.

The gradients come from step 3 (``viz.trace._Trace.backprop``); nodes and
edges take their colour from a ``style.GradScale`` (relative to this graph's
norms, or in absolute decades), so larger and smaller, vanishing and dead
(exactly zero, grey and dashed) gradients show.
"""
from __future__ import annotations

import math

import numpy as np

from .dot import SPINE_WEIGHT, _add_legend, _Emitter
from .style import ROLE_STYLE, GradScale, _fill_style, _fmt, _norm, _zero_units


def _grad_lines(key, norm, zeros, size):
    """``'|grad| 0.12'``, then ``'zeros 3/8'`` when ``zeros`` of the ``size`` entries are 0."""
    lines = [f"{key} {_fmt(norm)}"]
    if zeros:
        lines.append(f"zeros {zeros}/{size}")
    return lines


def _leaf_nodes(em, trace, grouping, names, totals, show_grad, scale):
    """One node per leaf that requires grad (its gradient accumulation); return id -> node name."""
    leaf_node = {}
    for t in trace.tensors:
        if not trace.is_leaf(t) or not t._requires_grad:
            continue
        nid = f"acc{len(leaf_node)}"
        leaf_node[id(t)] = nid
        g = totals.get(id(t))
        norm = _norm(g) if g is not None else 0.0
        lines = [names.of(t) or "leaf", f"grad {tuple(t.shape)}"]
        if show_grad and g is not None:
            lines += _grad_lines("|grad|", norm, int(np.count_nonzero(np.asarray(g) == 0)),
                                 np.size(g))
        dead = _zero_units(g) if g is not None else []
        if dead and len(dead) < t.shape[-1] and show_grad:
            lines.append(f"zero-grad units {dead} of {t.shape[-1]}")
        em.node(nid, "\n".join(lines), grouping.leaf_clusters(t),
                shape="box", **scale.node(norm))
    return leaf_node


def _rule_node(em, n, g, grouping, totals, show_grad, scale):
    """Node ``bw<n>``: box ``g``'s derivative rule, coloured by the gradient flowing into it."""
    incoming = [totals.get(id(o)) for o in g.outs]
    incoming = [a for a in incoming if a is not None]
    norm = math.sqrt(sum(_norm(a) ** 2 for a in incoming)) if incoming else 0.0
    label = [f"{g.name} backward"]
    if g.level is None:
        tip_scope = "/".join(grouping.scopes[g.members[0]])
    else:
        label.append(grouping.parts(g))
        tip_scope = f"{len(g.members)} primitive ops"
    if show_grad and incoming:
        zeros = sum(int(np.count_nonzero(a == 0)) for a in incoming)
        label += _grad_lines("|grad in|", norm, zeros, sum(a.size for a in incoming))
    attrs = scale.node(norm)
    attrs["tooltip"] = f"{attrs['tooltip']}; scope: {tip_scope or '-'}"
    em.node(f"bw{n}", "\n".join(label), g.clusters,
            shape="ellipse" if g.level is None else "box3d", **attrs)


def _rule_edges(em, n, g, trace, grouping, edges, receiver, scale):
    """Edges from ``bw<n>`` to where box ``g``'s gradients go next (``receiver(tensor)``).

    The gradients that one box sends to the same tensor are added up into one edge;
    those sent between Functions inside the box are not drawn.  Edges between
    rules are the spine (heavier, straighter); a leaf that only this box sends
    to is laid out beside it.
    """
    sent = {}
    for i in g.members:
        for pos, x in enumerate(trace.inputs_of(i)):
            gx = edges.get((i, pos))
            if gx is None or (not trace.is_leaf(x) and grouping.box_of(x) is g):
                continue
            sent[id(x)] = gx if id(x) not in sent else sent[id(x)] + gx
    for x in g.ins:
        if id(x) in sent:
            spine = {} if trace.is_leaf(x) else {"weight": SPINE_WEIGHT}
            if trace.is_leaf(x) and len({id(grouping.fn_group[c])
                                         for c in trace.consumers[id(x)]}) == 1:
                em.same_rank(f"bw{n}", receiver(x))      # a parameter beside its one rule
            em.edge(f"bw{n}", receiver(x), **scale.edge(_norm(sent[id(x)])), **spine)


def _seed_nodes(em, roots, names, receiver, scale):
    """The seeds, d root / d root = 1 (ones for a non-scalar root), for the roots with grad."""
    for r_i, r in enumerate(roots):
        if not r._requires_grad:
            continue
        name = names.of(r) or "output"
        seed = "1" if r.size == 1 else f"ones{tuple(r.shape)}"
        em.node(f"seed{r_i}", f"{name}\nd{name}/d{name} = {seed}", (), shape="box",
                style="rounded,filled,bold", fillcolor=ROLE_STYLE["output"]["fillcolor"])
        em.edge(f"seed{r_i}", receiver(r), **scale.edge(_norm(np.ones(r.shape))),
                weight=SPINE_WEIGHT)


def _backward_graph(graph, trace, grouping, names, roots, show_grad, legend, grad_scale="relative"):
    """Draw the backward view of ``trace`` into ``graph`` (options as in ``draw_graph``).

    Returns ``{node name: ('box', n) or ('tensor', i)}``: which box of
    ``grouping.groups`` or which tensor of ``trace.tensors`` each node shows.
    """
    if not any(r._requires_grad for r in roots):
        raise ValueError("draw_graph(mode='backward'): no root requires grad, so backward() "
                         "would have nothing to walk. Create the parameters with "
                         "requires_grad=True.")
    totals, edges = trace.backprop()
    scale = GradScale([_norm(g) for g in totals.values()] + [_norm(g) for g in edges.values()],
                      grad_scale)
    em = _Emitter(graph)
    leaf_node = _leaf_nodes(em, trace, grouping, names, totals, show_grad, scale)
    box_node = {id(g): f"bw{n}" for n, g in enumerate(grouping.groups)}

    def receiver(x):
        """The node the gradient for tensor ``x`` flows into: its leaf's, or its maker's box."""
        return leaf_node[id(x)] if trace.is_leaf(x) else box_node[id(grouping.box_of(x))]

    for n, g in enumerate(grouping.groups):
        _rule_node(em, n, g, grouping, totals, show_grad, scale)
        _rule_edges(em, n, g, trace, grouping, edges, receiver, scale)
    _seed_nodes(em, roots, names, receiver, scale)
    em.finish()
    if legend:
        _backward_legend(graph, scale)
    index = {id(t): i for i, t in enumerate(trace.tensors)}
    shown = {f"bw{n}": ("box", n) for n in range(len(grouping.groups))}
    shown.update({name: ("tensor", index[t_id]) for t_id, name in leaf_node.items()})
    shown.update({f"seed{r_i}": ("tensor", index[id(r)]) for r_i, r in enumerate(roots)
                  if r._requires_grad})
    return shown


def _backward_legend(graph, scale):
    """The colour scale: one sample node per bin in use, palest first, then 0 and nan / inf."""
    entries = []
    for k, (label, c) in enumerate(scale.legend()):
        entries.append((f"legend_{k}", label, {"shape": "box", "style": _fill_style(c),
                                               "fillcolor": c["fillcolor"],
                                               "fontcolor": c["fontcolor"]}))
    title = ("gradient norm |grad|, relative to this graph" if scale.kind == "relative"
             else "gradient norm |grad| (log scale)")
    _add_legend(graph, title, entries)
