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
edges take their colour from ``style.gradient_color``, so vanishing and dead
(exactly zero, grey and dashed) gradients show.
"""
from __future__ import annotations

import math

import numpy as np

from .dot import _add_legend, _Emitter
from .style import (GRAD_BINS, ROLE_STYLE, _edge_colour, _fill_style, _fmt, _node_colour, _norm,
                    _zero_units, gradient_color)


def _grad_lines(key, norm, zeros, size):
    """``'|grad| 0.12'``, then ``'zeros 3/8'`` when ``zeros`` of the ``size`` entries are 0."""
    lines = [f"{key} {_fmt(norm)}"]
    if zeros:
        lines.append(f"zeros {zeros}/{size}")
    return lines


def _leaf_nodes(em, trace, grouping, names, totals, show_grad):
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
                shape="box", **_node_colour(norm))
    return leaf_node


def _rule_node(em, n, g, grouping, totals, show_grad):
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
    attrs = _node_colour(norm)
    attrs["tooltip"] = f"{attrs['tooltip']}; scope: {tip_scope or '-'}"
    em.node(f"bw{n}", "\n".join(label), g.clusters,
            shape="ellipse" if g.level is None else "box3d", **attrs)


def _rule_edges(em, n, g, trace, grouping, edges, receiver):
    """Edges from ``bw<n>`` to where box ``g``'s gradients go next (``receiver(tensor)``).

    The gradients that one box sends to the same tensor are added up into one edge;
    those sent between Functions inside the box are not drawn.
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
            em.edge(f"bw{n}", receiver(x), **_edge_colour(_norm(sent[id(x)])))


def _seed_nodes(em, roots, names, receiver):
    """The seeds, d root / d root = 1 (ones for a non-scalar root), for the roots with grad."""
    for r_i, r in enumerate(roots):
        if not r._requires_grad:
            continue
        name = names.of(r) or "output"
        seed = "1" if r.size == 1 else f"ones{tuple(r.shape)}"
        em.node(f"seed{r_i}", f"{name}\nd{name}/d{name} = {seed}", (), shape="box",
                style="rounded,filled,bold", fillcolor=ROLE_STYLE["output"]["fillcolor"])
        em.edge(f"seed{r_i}", receiver(r), **_edge_colour(_norm(np.ones(r.shape))))


def _backward_graph(graph, trace, grouping, names, roots, show_grad, legend):
    """Draw the backward view of ``trace`` into ``graph`` (options as in ``draw_graph``)."""
    if not any(r._requires_grad for r in roots):
        raise ValueError("draw_graph(mode='backward'): no root requires grad, so backward() "
                         "would have nothing to walk. Create the parameters with "
                         "requires_grad=True.")
    totals, edges = trace.backprop()
    em = _Emitter(graph)
    leaf_node = _leaf_nodes(em, trace, grouping, names, totals, show_grad)
    box_node = {id(g): f"bw{n}" for n, g in enumerate(grouping.groups)}

    def receiver(x):
        """The node the gradient for tensor ``x`` flows into: its leaf's, or its maker's box."""
        return leaf_node[id(x)] if trace.is_leaf(x) else box_node[id(grouping.box_of(x))]

    for n, g in enumerate(grouping.groups):
        _rule_node(em, n, g, grouping, totals, show_grad)
        _rule_edges(em, n, g, trace, grouping, edges, receiver)
    _seed_nodes(em, roots, names, receiver)
    em.finish()
    if legend:
        _backward_legend(graph)


def _backward_legend(graph):
    """The colour scale: one sample node per bin of ``GRAD_BINS``, then 0 and nan / inf."""
    samples = [lo * 2 if lo else 1e-7 for lo, *_ in GRAD_BINS] + [0.0, float("nan")]
    entries = []
    for k, v in enumerate(samples):
        c = gradient_color(v)
        entries.append((f"legend_{k}", c["bin"], {"shape": "box", "style": _fill_style(c),
                                                  "fillcolor": c["fillcolor"],
                                                  "fontcolor": c["fontcolor"]}))
    _add_legend(graph, "gradient norm |grad| (log scale)", entries)
