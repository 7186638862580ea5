"""Pictures of computation graphs: forward values and backward gradients.

``draw_graph(loss)`` returns a :class:`graphviz.Digraph` of the graph that
produced ``loss`` (it displays inline in Jupyter); ``save_graph(loss,
path='g.svg')`` writes it to a file.  Two views of the same graph:

* ``mode='forward'``: tensors (inputs, parameters, constants, intermediates,
  outputs) with their shapes, dtypes, values and gradients, and the ops between
  them.
* ``mode='backward'``: the graph that ``backward()`` walks, one node per
  derivative rule (``MatMul backward``), coloured by the size of the gradient
  flowing through it, so vanishing and dead (exactly zero) gradients show.

The ``graphviz`` package is imported only when a graph is drawn.  Pictures
(SVG, PNG) are laid out by Graphviz's ``dot`` program when it is installed,
and otherwise by graphviz-pure, which ``pip`` installs (``viz.render``).
``viz.figures`` builds the article's graphs (a neuron, one training step of
the network, dead ReLU units).  See ``docs/graphs.md`` ("Reading the graphs").
"""
from ._graph import (GraphvizNotFoundError, draw_graph, gradient_color, training_step_graphs,
                     GRAD_BINS)
from .explorer import Explorer, explore
from .saving import save_graph
from .narrate import Explanation, explain
from . import figures, render

__all__ = ["draw_graph", "save_graph", "training_step_graphs", "gradient_color",
           "GraphvizNotFoundError", "GRAD_BINS", "explain", "Explanation", "explore", "Explorer",
           "figures", "render"]
