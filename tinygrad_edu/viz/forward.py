"""Step 4, forward view: tensors and the ops between them, values flowing forward.

:func:`_forward_graph` draws one node per tensor that is seen outside a box
(its name or role, shape and dtype, values, gradient; see ``docs/graphs.md``,
"The forward view") and one node per box from ``viz.groups`` (a primitive op
such as ``Mul(·, -1)``, or a collapsed ``sigmoid`` / ``dense_1``), with an
edge from every input tensor to its box and from every box to its outputs.

Each tensor gets a role, which sets its colour (``style.ROLE_STYLE``):
output (a root), intermediate (made by an op), parameter (needs a gradient,
or named by ``params=``), input (named data), constant (an unnamed scalar,
or an array made inside a derived op).  Scalar constants are written into
their op's label instead of getting a node (``fold_constants``).
"""
from __future__ import annotations

import numpy as np

from .dot import SPINE_WEIGHT, _add_legend, _Emitter
from .style import GROUP_STYLE, OP_STYLE, ROLE_STYLE, _fmt, _shape_str, _summary


def _role(t, root_ids, names, trace, grouping):
    """'output', 'intermediate', 'parameter', 'input' or 'constant' (see the module docstring)."""
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
    """'Mul(·, -1)', 'Pow(·, -1)', 'Sum(axis=0)', 'Where' + mask line.

    ``inputs`` are the Function's inputs; those whose id is in ``folded`` are
    scalar constants, written as numbers instead of ``·``.
    """
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


def _hidden_constants(trace, grouping, roles, root_ids, fold_constants):
    """Ids of the leaves that get no node.

    Those are scalar constants folded into their op's label, and constants
    used only inside one collapsed box.
    """
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
    return hidden


def _visible_tensors(groups, hidden, roots):
    """Ids of the tensors drawn: every box's inputs (unless hidden) and outputs, and the roots."""
    visible = set()
    for g in groups:
        for x in g.ins:
            if id(x) not in hidden:
                visible.add(id(x))
        for o in g.outs:
            visible.add(id(o))
    for r in roots:
        visible.add(id(r))
    return visible


def _totals(trace, show_grad):
    """d(root)/d(tensor) for every tensor, when the forward view shows them, else {}.

    ``show_grad=True`` shows them once a backward pass has run through the
    graph, as micrograd's ``draw_dot`` shows every node's value and gradient
    -- unless a value the rules read was changed in place since (an optimizer
    step): then only the leaves' ``.grad`` is shown, and the change is flagged.
    """
    if show_grad == "all":
        return trace.backprop()[0]
    if show_grad is True and trace.after_backward():
        try:
            return trace.backprop()[0]
        except RuntimeError:
            return {}
    return {}


def _shown_grad(t, show_grad, totals):
    """The gradient to write under ``t`` (an array), or None; see ``draw_graph(show_grad=)``."""
    if show_grad == "all":
        return totals.get(id(t))
    if show_grad and t.grad is not None:
        return t.grad._data
    return None


def _tensor_label(t, role, name, show_data, grad, stale, max_values):
    """Name (else role), shape and dtype, values, gradient, and a warning when ``stale``."""
    lines = []
    if name:
        lines.append(name)
    elif role != "intermediate":
        lines.append(role)
    lines.append(_shape_str(t))
    if show_data:
        lines.append(_summary(t._data, max_values))
    if grad is not None:
        lines.append("grad " + _summary(grad, max_values))
    if stale:
        lines.append("! changed in place after this forward")
    return "\n".join(lines)


def _tensor_clusters(t, role, trace, grouping):
    """A result sits in its box's frames, a parameter or constant with its consumers."""
    if not trace.is_leaf(t):
        return grouping.box_of(t).clusters
    if role in ("parameter", "constant"):
        return grouping.leaf_clusters(t)
    return ()


def _op_node(em, n, g, trace, grouping, hidden):
    """Node ``op<n>`` for box ``g``: a primitive op (with folded constants) or a collapsed one."""
    if g.level is None:
        i = g.members[0]
        inputs = trace.inputs_of(i)
        folded = {id(x) for x in inputs if id(x) in hidden}
        label = _op_label(trace.fns[i][0], inputs, folded)
        scope = "/".join(grouping.scopes[i])
        attrs = dict(OP_STYLE, tooltip="scope: " + (scope or "-"))
    else:
        label = f"{g.name}\n{grouping.parts(g)}"
        attrs = dict(GROUP_STYLE, tooltip=f"{len(g.members)} primitive ops")
    em.node(f"op{n}", label, g.clusters, **attrs)


def _op_edges(em, n, g, trace, grouping, visible, tid):
    """Edges into ``op<n>`` from box ``g``'s drawn inputs (``×2``: used twice), and out of it.

    Edges between results are the graph's spine: their weight keeps it straight.
    The first leaf (parameter, input) used by this box alone is laid out beside it.
    """
    beside = False
    for x in g.ins:
        if id(x) in visible:
            uses = sum(1 for i in g.members for y in trace.inputs_of(i) if y is x)
            attrs = {"label": f"×{uses}"} if uses > 1 else {}
            if not trace.is_leaf(x):
                attrs["weight"] = SPINE_WEIGHT
            elif not beside and len({id(grouping.fn_group[c])
                                     for c in trace.consumers[id(x)]}) == 1:
                em.same_rank(tid[id(x)], f"op{n}")
                beside = True
            em.edge(tid[id(x)], f"op{n}", **attrs)
    for o in g.outs:
        em.edge(f"op{n}", tid[id(o)], weight=SPINE_WEIGHT)


def _forward_graph(graph, trace, grouping, names, roots, show_data, show_grad, max_values,
                   fold_constants, legend):
    """Draw the forward view of ``trace`` into ``graph`` (options as in ``draw_graph``).

    Returns ``{node name: ('tensor', i) or ('box', n)}``: which tensor of
    ``trace.tensors`` or which box of ``grouping.groups`` each node shows.
    """
    root_ids = {id(r) for r in roots}
    totals = _totals(trace, show_grad)
    if totals:
        show_grad = "all"
    roles = {id(t): _role(t, root_ids, names, trace, grouping)
             for t in trace.tensors if trace.is_leaf(t) or id(t) in root_ids}
    hidden = _hidden_constants(trace, grouping, roles, root_ids, fold_constants)
    visible = _visible_tensors(grouping.groups, hidden, roots)
    stale = trace.changed_in_place()
    em = _Emitter(graph)
    tid = {id(t): f"t{i}" for i, t in enumerate(trace.tensors)}
    kinds = set()
    for t in trace.tensors:
        if id(t) not in visible:
            continue
        role = roles.get(id(t), "intermediate")
        label = _tensor_label(t, role, names.of(t), show_data, _shown_grad(t, show_grad, totals),
                              id(t) in stale, max_values)
        em.node(tid[id(t)], label, _tensor_clusters(t, role, trace, grouping), tooltip=role,
                **ROLE_STYLE[role])
        kinds.add(role)
    for n, g in enumerate(grouping.groups):
        kinds.add("op" if g.level is None else "group")
        _op_node(em, n, g, trace, grouping, hidden)
        _op_edges(em, n, g, trace, grouping, visible, tid)
    em.finish()
    if legend:
        _forward_legend(graph, kinds)
    shown = {tid[id(t)]: ("tensor", i) for i, t in enumerate(trace.tensors) if id(t) in visible}
    shown.update({f"op{n}": ("box", n) for n in range(len(grouping.groups))})
    return shown


def _forward_legend(graph, kinds):
    """One sample node per kind of node that appears in the graph."""
    entries = [(f"legend_{role}", role, ROLE_STYLE[role])
               for role in ("input", "parameter", "constant", "intermediate", "output")
               if role in kinds]
    if "op" in kinds:
        entries.append(("legend_op", "primitive op (ellipse)", OP_STYLE))
    if "group" in kinds:
        entries.append(("legend_group", "layer / derived op (3-D box)", GROUP_STYLE))
    _add_legend(graph, "legend", entries)
