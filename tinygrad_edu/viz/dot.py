"""Writing the drawings as DOT text, and rendering or saving them with Graphviz.

Step 4 of drawing a graph (the views, ``viz.forward`` and ``viz.backward``)
writes through this module:

* :func:`_new_graph` makes the ``graphviz.Digraph`` (the ``graphviz``
  package is imported on the first drawing, not with ``tinygrad_edu``); its
  pictures come from :mod:`viz.render` (Graphviz's ``dot``, or graphviz-pure
  when ``dot`` is not installed);
* :class:`_Emitter` writes nodes into the nested clusters (layers, derived
  ops) they belong to, and edges;
* :func:`_add_legend` adds the legend, :func:`_output_format` and
  :func:`_write_graph` do the file side of ``save_graph``.
"""
from __future__ import annotations

import html
import os
import pathlib

from . import render
from .render import GraphvizNotFoundError

_GRAPH_CLASS = None
#: Edge weight of the edges between results (the spine of a network): heavier edges are
#: kept shorter and straighter by the layout, so the layers stack instead of drifting sideways.
SPINE_WEIGHT = "8"


def _graph_class():
    """graphviz.Digraph whose pictures come from :mod:`viz.render` (imported on first use)."""
    global _GRAPH_CLASS
    if _GRAPH_CLASS is not None:
        return _GRAPH_CLASS
    try:
        import graphviz
    except ImportError:
        raise ImportError("draw_graph needs the 'graphviz' Python package: pip install graphviz "
                          "(or pip install 'tinygrad_edu[viz]', which also brings graphviz-pure "
                          "to render the pictures).") from None

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` laid out by ``dot``, or by graphviz-pure when ``dot`` is missing.

        ``pipe`` (and so Jupyter's inline display) and ``render`` go through
        :func:`viz.render.run`; everything else is the ``graphviz`` package's.
        """

        def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
                 quiet=False, *, engine=None, encoding=None):
            data = render.run(self.source, format or self.format, engine or self.engine)
            return data.decode(encoding) if encoding else data

        def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
                   renderer=None, formatter=None, neato_no_op=None, quiet=False,
                   quiet_view=False, *, outfile=None, engine=None, **_):
            """Save the DOT text to ``filename`` and the picture beside it; return its path.

            As ``graphviz.Digraph.render``: ``render('g', format='svg')`` writes
            ``g`` and ``g.svg``; ``render(outfile='g.png')`` writes ``g.gv`` and ``g.png``.
            """
            if outfile is not None:
                outfile = pathlib.Path(outfile)
                format = format or outfile.suffix.lstrip(".") or None
                if filename is None:
                    filename = outfile.with_suffix(".gv")
            format = format or self.format
            source_path = self.save(filename, directory=directory)
            target = outfile if outfile is not None else pathlib.Path(f"{source_path}.{format}")
            target.write_bytes(render.run(self.source, format, engine or self.engine))
            if cleanup:
                os.remove(source_path)
            if view or quiet_view:
                self._view(target, format=format, quiet=quiet_view)
            return str(target)

    _GRAPH_CLASS = Graph
    return Graph


def _new_graph(name, rankdir, title=None):
    """An empty drawing named ``name`` ('forward' or 'backward'), laid out along ``rankdir``.

    ``title``, when given, is the caption at the top.
    """
    Graph = _graph_class()
    graph = Graph(name=name,
                  graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                              "nodesep": "0.2", "ranksep": "0.3", "newrank": "true"},
                  node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box",
                             "margin": "0.08,0.04", "height": "0.3"},
                  edge_attr={"arrowsize": "0.6", "color": "#4d4d4d"})
    if title:
        graph.attr(label=title, labelloc="t", fontsize="13")
    return graph


def _quote(value):
    """A DOT double-quoted string (graphviz' own quoting is too slow for 100,000 nodes)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attrs(attrs, bracket=False):
    """`` k="v" k2="v2"`` (in ``[...]`` when ``bracket``, unless there are none)."""
    text = "".join(f" {k}={_quote(v)}" for k, v in attrs.items())
    return f" [{text[1:]}]" if bracket and text else text


class _Emitter:
    """Collects nodes per cluster, then nests the clusters into the graph.

    A node's ``clusters`` are the scopes around it, outermost first, each a
    tuple ``(level, call, name, is_composite)`` (see ``viz.groups``): layers
    get a solid frame, derived ops a dashed one.
    """

    def __init__(self, graph):
        self.graph = graph
        self.cluster_nodes = {}    # cluster path -> [DOT line, ...]
        self.cluster_info = {}     # cluster path -> (label, is_composite)

    def node(self, name, label, clusters=(), **attrs):
        """Add node ``name`` with text ``label`` inside ``clusters``."""
        path = tuple((k, i) for k, i, _, _ in clusters)
        for depth in range(1, len(clusters) + 1):
            _, _, cname, composite = clusters[depth - 1]
            self.cluster_info.setdefault(path[:depth], (cname, composite))
        line = f"\t{name} [label={_quote(label)}{_attrs(attrs)}]\n"
        self.cluster_nodes.setdefault(path, []).append(line)

    def edge(self, tail, head, **attrs):
        """Add an edge ``tail -> head`` (edges need no cluster)."""
        self.graph.body.append(f"\t{tail} -> {head}{_attrs(attrs, bracket=True)}\n")

    def same_rank(self, *names):
        """Lay the nodes ``names`` out side by side (a parameter beside the one op using it)."""
        self.graph.body.append(f"\t{{rank=same; {'; '.join(names)}}}\n")

    def finish(self):
        """Write the collected nodes into their clusters, and the clusters into the graph."""
        Graph = type(self.graph)
        subs = {}
        for path in self.cluster_info:
            label, composite = self.cluster_info[path]
            style = ({"style": "dashed,rounded", "color": "#969696", "fontcolor": "#737373"}
                     if composite else {"style": "rounded", "color": "#525252",
                                        "fontcolor": "#252525"})
            subs[path] = Graph(name=f"cluster_{len(subs)}",
                               graph_attr={"label": label, "labeljust": "l", "fontsize": "10",
                                           **style})
        for path, nodes in self.cluster_nodes.items():
            target = subs[path] if path else self.graph
            target.body.extend(nodes)
        for path in sorted(subs, key=len, reverse=True):   # innermost clusters first
            parent = subs[path[:-1]] if len(path) > 1 else self.graph
            parent.subgraph(subs[path])


def _add_legend(graph, title, entries):
    """Add the legend: one node ``legend_table``, a small table titled ``title``.

    Each of ``entries`` ``(name, label, attrs)`` is a row, filled and lettered
    as a node with ``attrs`` would be (dashed for a dashed node).  One compact
    node keeps the legend from adding a rank per entry to the layout.
    """
    rows = [f'<tr><td border="0"><font point-size="9">{html.escape(title)}</font></td></tr>']
    for _, label, attrs in entries:
        dashed = ' style="dashed"' if "dashed" in attrs.get("style", "") else ""
        font = html.escape(attrs.get("fontcolor", "black"))
        rows.append(f'<tr><td bgcolor="{html.escape(attrs.get("fillcolor", "white"))}"{dashed}>'
                    f'<font color="{font}">{html.escape(label)}</font></td></tr>')
    table = ('<table border="1" color="#bdbdbd" cellborder="1" cellspacing="3" cellpadding="3">'
             + "".join(rows) + "</table>")
    graph.body.append(f"\tlegend_table [label=<{table}> shape=plain tooltip=legend]\n")


# ----------------------------------------------------------------- files --
_FORMATS = ("svg", "png", "pdf", "dot", "html")


def _output_format(path, format):
    """The file format for ``path``: ``format`` if given, else from the suffix, else (no
    suffix) 'svg'.  An unknown suffix is refused: SVG text in a ``.jpg`` would be a broken file."""
    if format is None:
        suffix = path.suffix.lstrip(".").lower()
        aliases = {"gv": "dot", "htm": "html", "": "svg"}
        if suffix not in _FORMATS + tuple(aliases):
            raise ValueError(f"save_graph: cannot tell a format from the suffix of {str(path)!r}; "
                             f"use one of {', '.join('.' + f for f in _FORMATS)}, or pass "
                             f"format=")
        format = aliases.get(suffix, suffix)
    if format not in _FORMATS:
        raise ValueError(f"save_graph: format must be one of {_FORMATS}, got {format!r}")
    return format


def _write_graph(graph, path, format):
    """Write ``graph`` to ``path`` (a pathlib.Path; folders are created) and return the path.

    'dot' writes the DOT text; the other formats are laid out by :func:`viz.render.run`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "dot":
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(render.run(graph.source, format, getattr(graph, "engine", "dot")))
    return path
