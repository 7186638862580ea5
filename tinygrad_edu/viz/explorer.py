"""The explorer: one self-contained HTML page to explore a graph, its values, gradients and rules.

``tg.viz.explore(loss)`` returns an :class:`Explorer`; in Jupyter it shows
itself inline, ``.save('graph.html')`` writes the page (``save_graph(loss,
'graph.html')`` does the same).  The page works offline from ``file://``:
it holds the pictures (SVG) and our own small JavaScript and CSS
(``viz/page/explorer.js`` and ``.css``, readable), and fetches nothing.  In it:

* hover or click a node: its value and gradient in full for a small tensor
  (shape, statistics and a histogram for a large one), its dtype, the op that
  made it and the op's derivative rule (the primitive's docstring line);
* click a layer or derived-op box: it opens into its primitives; click its
  frame (or "close") and it closes again;
* step through the backward pass in the engine's order: one rule at a time
  is highlighted, with the text of ``viz.explain`` for that step (the
  gradient arriving, the local derivative, the numbers put in);
* find a node by name.

The layout is done here, in Python, by the same drawing code as
``draw_graph`` (``_graph._draw``), once per view (forward, backward) and per
state: all boxes closed, and each box opened on its own (one box is open at
a time).  The page only switches between these pictures.

Examples
--------
>>> import tinygrad_edu as tg, tempfile, os
>>> w = tg.Tensor([0.5, -1.0], requires_grad=True, name="w")
>>> loss = (w * w).sigmoid().sum()
>>> page = tg.viz.explore(loss)
>>> sorted(page.data["layouts"]), len(page.data["steps"])
(['backward', 'forward'], 7)
>>> path = page.save(os.path.join(tempfile.mkdtemp(), "graph.html"))
>>> path.read_text().count("<script")          # the data and our script, both inline
2
"""
from __future__ import annotations

import html
import json
import pathlib
import re

from . import render
from ._graph import _check_options, _check_roots, _draw
from .forward import _role
from .groups import _Grouping
from .names import _Names, tensor_labels
from .narrate import _explanation, rule_text
from .numbers import describe
from .trace import _Trace

__all__ = ["explore", "Explorer"]

PAGE = pathlib.Path(__file__).with_name("page")
#: More boxes than this and only the closed view is laid out (each open box is one more layout).
MAX_OPENABLE = 60


def _box_key(g):
    """The explorer's id of box ``g``: ``F<k>`` for a primitive op, ``B<level>_<call>`` else."""
    return f"F{g.members[0]}" if g.level is None else f"B{g.key[0]}_{g.key[1]}"


def _svg(graph):
    """The picture of ``graph`` as an inline ``<svg>`` element (no XML prolog, no comments)."""
    text = render.run(graph.source, "svg").decode("utf-8")
    text = re.sub(r"<!--.*?-->", "", text[text.index("<svg"):], flags=re.S)
    return text.strip()


def _layout(trace, grouping, names, roots, mode, options):
    """One picture: ``{'svg': ..., 'nodes': {node name: item id}}``."""
    graph, shown = _draw(trace, grouping, names, roots, mode, options)
    nodes = {}
    for name, (kind, index) in shown.items():
        nodes[name] = f"T{index}" if kind == "tensor" else _box_key(grouping.groups[index])
    return {"svg": _svg(graph), "nodes": nodes}


def _tensor_items(trace, grouping, names, labels, roots, totals, max_values):
    """``{'T<i>': {...}}``: every tensor's name, role, value and gradient."""
    root_ids = {id(r) for r in roots}
    items = {}
    for i, t in enumerate(trace.tensors):
        k = trace.producer(t)
        grad = totals.get(id(t))
        items[f"T{i}"] = {
            "kind": "tensor", "name": labels[id(t)],
            "role": _role(t, root_ids, names, trace, grouping),
            "shape": list(t.shape), "dtype": str(t.dtype), "requires_grad": t._requires_grad,
            "value": describe(t._data, max_values),
            "grad": None if grad is None else describe(grad, max_values),
            "made_by": None if k is None else f"F{k}"}
    return items


def _op_items(trace, grouping, labels, steps):
    """``{'F<k>': {...}, 'B<l>_<c>': {...}}``: every primitive op and every closed box."""
    step_of = {s["fn"]: s["index"] for s in steps}
    tid = {id(t): i for i, t in enumerate(trace.tensors)}
    items = {}
    for k, (fn, out) in enumerate(trace.fns):
        box = grouping.fn_group[k]
        items[f"F{k}"] = {
            "kind": "op", "name": type(fn).__name__, "rule": rule_text(fn),
            "scope": "/".join(grouping.scopes[k]), "output": f"T{tid[id(out)]}",
            "inputs": [f"T{tid[id(x)]}" for x in fn.inputs], "step": step_of.get(f"F{k}"),
            "box": None if box.level is None else _box_key(box)}
    for g in grouping.groups:
        if g.level is not None:
            items[_box_key(g)] = {"kind": "box", "name": g.name, "parts": grouping.parts(g),
                                  "members": [f"F{i}" for i in g.members],
                                  "composite": g.name in grouping.composites}
    return items


def _layouts(trace, base, names, roots, modes, collapse, options):
    """``{view: {'' (all closed) or box id (that box open): layout}}``."""
    openable = [g for g in base.groups if g.level is not None]
    if len(openable) > MAX_OPENABLE:
        openable = []
    layouts = {}
    for mode in modes:
        views = {"": _layout(trace, base, names, roots, mode, options)}
        for g in openable:
            grouping = _Grouping(trace, collapse, roots, expand=[g.key])
            views[_box_key(g)] = _layout(trace, grouping, names, roots, mode, options)
        layouts[mode] = views
    return layouts


def _page_data(roots, params, inputs, collapse, max_values, step_values, title):
    """Everything the page shows, as one JSON-ready dict (see :class:`Explorer`)."""
    trace = _Trace(roots)
    names = _Names(params, inputs)
    labels = tensor_labels(trace, names)
    base = _Grouping(trace, collapse, roots)
    has_grad = any(r._requires_grad for r in roots)
    walk = trace.walk() if has_grad else None
    steps = _explanation(trace, walk, labels, roots, step_values) if has_grad else None
    options = dict(show_data=True, show_grad="all" if has_grad else False, rankdir=None,
                   legend=True, max_values=4, fold_constants=True, title=None,
                   grad_scale="relative")
    modes = ("forward", "backward") if has_grad else ("forward",)
    items = _tensor_items(trace, base, names, labels, roots, walk.totals if walk else {},
                          max_values)
    items.update(_op_items(trace, base, labels, steps.steps if steps else []))
    return {"title": title or f"The graph of {labels[id(roots[0])]}",
            "layouts": _layouts(trace, base, names, roots, modes, collapse, options),
            "items": items, "steps": steps.steps if steps else [],
            "header": steps.header if steps else "No tensor here requires grad: no backward pass.",
            "results": steps.results if steps else []}


def _page(data):
    """The HTML page: the template with our CSS, the data (JSON) and our script put in."""
    template = (PAGE / "explorer.html").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/").replace("<!--",
                                                                                  "<\\!--")
    return (template.replace("{{TITLE}}", html.escape(data["title"]))
            .replace("/*{{CSS}}*/", (PAGE / "explorer.css").read_text(encoding="utf-8"))
            .replace("{{DATA}}", payload)
            .replace("/*{{JS}}*/", (PAGE / "explorer.js").read_text(encoding="utf-8")))


class Explorer:
    """An explorer page (see the module docstring); shows itself inline in Jupyter.

    Attributes
    ----------
    data : dict
        What the page shows: ``layouts`` (view -> state -> ``{'svg', 'nodes'}``),
        ``items`` (tensors ``T<i>``, ops ``F<k>``, boxes ``B<l>_<c>``), ``steps``
        (``explain``'s steps), ``header``, ``results``, ``title``.
    html : str
        The whole page.
    """

    def __init__(self, data):
        self.data = data
        self.html = _page(data)

    def save(self, path):
        """Write the page to ``path`` (folders are created); return the path."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self):
        """Jupyter: the page in an iframe (its script runs there, apart from the notebook's)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="graph explorer" '
                f'style="width: 100%; height: 720px; border: 1px solid #ccc"></iframe>')


def explore(*roots, params=None, inputs=None, collapse="module", max_values=100, step_values=16,
            title=None):
    """An interactive, offline page of the graph that made ``roots`` (see the module docstring).

    Parameters
    ----------
    *roots : Tensor
        Usually the loss; before or after ``backward()``.
    params, inputs : optional
        Names, as for :func:`draw_graph`.
    collapse : None, 'op', 'module' or list of str
        The boxes of the closed view, as for :func:`draw_graph`; the default
        draws one box per layer (or per derived op outside any layer).
    max_values : int
        A node's value and gradient are shown in full up to this many entries.
    step_values : int
        The same for the step texts (``explain(max_values=...)``).
    title : str, optional

    Returns
    -------
    Explorer
        ``.save(path)``; shown inline in Jupyter.
    """
    roots = _check_roots(roots, "forward", True, what="explore")
    _check_options("explore", max_values=max_values, step_values=step_values)
    return Explorer(_page_data(roots, params, inputs, collapse, max_values, step_values, title))
