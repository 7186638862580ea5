"""``save_graph``: a drawing, or the explorer page, written to a file.

SVG, PNG and PDF are laid out by ``viz.render`` (Graphviz's ``dot``, or
graphviz-pure); DOT is the drawing's text; HTML is the explorer
(``viz.explorer``), one self-contained page.
"""
from __future__ import annotations

import os
import pathlib

from ..tensor import Tensor
from ._graph import draw_graph
from .dot import _output_format, _write_graph
from .explorer import explore

__all__ = ["save_graph"]


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
    format : {'svg', 'png', 'pdf', 'dot', 'html'}, optional
        Default: from the file suffix, else 'svg'.  'dot' writes the DOT text
        and needs no layout program; 'html' writes the explorer
        (:func:`explore`, whose options ``**kwargs`` then are).
    **kwargs
        Passed to :func:`draw_graph`.

    Examples
    --------
    >>> import tinygrad_edu as tg, tempfile, os
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> out = tg.save_graph((x * x).sum(), path=os.path.join(tempfile.mkdtemp(), "g.dot"))
    >>> out.read_text().startswith("digraph")
    True
    >>> page = tg.save_graph((x * x).sum(), os.path.join(tempfile.mkdtemp(), "graph.html"))
    >>> page.read_text().startswith("<!DOCTYPE html>")
    True
    """
    if path is None and roots and isinstance(roots[-1], (str, os.PathLike)):
        roots, path = roots[:-1], roots[-1]
    if path is None:
        raise TypeError("save_graph: give the output file, e.g. save_graph(loss, 'out/graph.svg')")
    path = pathlib.Path(path)
    format = _output_format(path, format)
    if format == "html":
        if not all(isinstance(r, Tensor) for r in roots):
            raise TypeError("save_graph: an explorer page (.html) is made from the tensors, "
                            "e.g. save_graph(loss, 'graph.html'), not from a drawn graph")
        kwargs.pop("mode", None)                  # the page has both views
        return explore(*roots, **kwargs).save(path)
    if len(roots) == 1 and not isinstance(roots[0], Tensor) and hasattr(roots[0], "source"):
        if kwargs:
            raise TypeError("save_graph: drawing options cannot be applied to a drawn graph")
        graph = roots[0]
    else:
        graph = draw_graph(*roots, **kwargs)
    return _write_graph(graph, path, format)
