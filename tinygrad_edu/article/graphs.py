"""Figures 4, 5 and 9 of the article: computation graphs, drawn by :mod:`tinygrad_edu.viz`.

Each function builds a small computation, runs its backward pass (so the
drawing shows gradients) and writes the graph with ``viz.save_graph``: SVG,
PNG or PDF by the file's extension, or the DOT text for a ``.dot`` path.
Rendering an image needs a layout program: Graphviz's ``dot``, or
graphviz-pure, which pip installs (``viz.render``); :func:`draw_or_write_dot`
falls back to DOT text when neither is there.

* :func:`neuron` and :func:`plot_neuron_graph` (figure 4): one neuron,
  ``z = w^T x + b``, ``y_hat = sigmoid(z)``, with its loss;
* :func:`plot_layer_graph` (figure 5): one vectorised layer,
  ``A = relu(A_prev @ W + b)``;
* :func:`plot_network_graphs` (figure 9): the forward and backward graphs of
  one training step of the real network;
* :func:`plot_dead_relu_graph`: a network with a dead ReLU unit, whose path
  carries no gradient.

Examples
--------
>>> import os, tempfile
>>> path = plot_neuron_graph(os.path.join(tempfile.mkdtemp(), "fig4.dot"))
>>> open(path).read().startswith("digraph")
True
"""
from __future__ import annotations

import os

import numpy as np

from .. import viz
from ..nn import functional as F
from ..tensor import Tensor

__all__ = ["neuron", "plot_neuron_graph", "plot_layer_graph", "plot_network_graphs",
           "plot_dead_relu_graph", "draw_or_write_dot"]


def neuron():
    """The single neuron of figure 4: y_hat = sigmoid(w^T x + b) and its loss for y = 1."""
    x = Tensor([[0.5, -1.0]], name="x")
    w = Tensor([[0.3], [0.8]], requires_grad=True, name="w")
    b = Tensor([0.1], requires_grad=True, name="b")
    z = x @ w + b
    y_hat = z.sigmoid()
    loss = F.binary_cross_entropy(y_hat, Tensor([[1.0]], name="y"))
    loss.name = "loss"
    return loss


def plot_neuron_graph(path, mode="forward", collapse="op"):
    """Figure 4: the computation graph of one neuron, z = w^T x + b, y_hat = g(z).

    Drawn after ``backward()``, so the parameters show their
    gradients.  ``collapse='op'`` draws sigmoid and the loss as one box each;
    ``None`` shows every primitive inside them.
    """
    loss = neuron()
    loss.backward()
    return str(viz.save_graph(loss, path=path, mode=mode, collapse=collapse))


def plot_layer_graph(path, m=5, n_in=2, n_out=4):
    """Figure 5: the graph of one vectorised layer, A = relu(A_prev @ W + b), on ``m`` samples.

    ``A_prev`` is ``m`` x ``n_in`` and ``W`` is ``n_in`` x ``n_out`` (seeded
    normal values), ``b`` is zero; each op is one box, with two values shown
    per tensor.
    """
    rng = np.random.default_rng(0)
    a_prev = Tensor(rng.normal(size=(m, n_in)).astype(np.float32), name="A_prev")
    W = Tensor(rng.normal(size=(n_in, n_out)).astype(np.float32), requires_grad=True, name="W")
    b = Tensor(np.zeros(n_out, dtype=np.float32), requires_grad=True, name="b")
    A = (a_prev @ W + b).relu()
    A.name = "A"
    return str(viz.save_graph(A, path=path, collapse="op", max_values=2))


def plot_network_graphs(model, X, y, forward_path, backward_path, collapse="module"):
    """Figure 9: the forward and the backward graph of the real network on a batch.

    One training step's graphs (``viz.training_step_graphs``): forward with
    every tensor's gradient, then the backward graph coloured by gradient size.
    ``collapse='module'`` draws each Dense layer as one box, like the
    article's figure (A[l-1] -> layer l -> A[l] forward, dA/dW/db back);
    ``'op'`` or ``None`` show the primitives inside.  The model's parameters
    are not changed (no optimizer step).  Returns both paths.

    Examples
    --------
    >>> import os, tempfile
    >>> from tinygrad_edu.recipe import build_model, load_circles
    >>> X, _, y, _ = load_circles(seed=0)
    >>> out = tempfile.mkdtemp()
    >>> fwd, bwd = plot_network_graphs(build_model(), X[:4], y[:4], os.path.join(out, "f.dot"),
    ...                                os.path.join(out, "b.dot"))
    >>> "dense_5" in open(fwd).read()
    True
    """
    X = Tensor(np.asarray(X, dtype=np.float32), name="X")
    y = Tensor(np.asarray(y, dtype=np.float32).reshape(-1, 1), name="Y")
    for p in model.parameters():          # start from clean gradients (fit leaves the last batch's)
        p.grad = None
    fwd, bwd = viz.training_step_graphs(
        model, X, y, F.binary_cross_entropy,
        forward_kwargs=dict(collapse=collapse, max_values=2),
        backward_kwargs=dict(collapse=collapse))
    for p in model.parameters():          # leave no gradients behind
        p.grad = None
    return str(viz.save_graph(fwd, path=forward_path)), str(viz.save_graph(bwd, path=backward_path))


def plot_dead_relu_graph(path, seed=0):
    """The backward graph of a small network with a dead ReLU unit: its path is grey.

    This is the article recipe's failure mode (dying ReLU) made visible: a unit
    whose pre-activation is negative for every sample passes no gradient back.
    """
    return str(viz.save_graph(viz.figures.dead_unit_graph(seed), path))


def draw_or_write_dot(draw, log, *paths):
    """``draw(*paths)``; with no layout program (``dot`` or graphviz-pure), write DOT text instead.

    ``draw`` writes one file per path and returns what it returns; when it
    raises :class:`~tinygrad_edu.viz.GraphvizNotFoundError`, ``log`` gets a
    one-line explanation and ``draw`` runs again on the same paths with the
    extension ``.dot``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = draw_or_write_dot(plot_layer_graph, print, os.path.join(tempfile.mkdtemp(), "a.svg"))
    >>> os.path.splitext(path)[1] in (".svg", ".dot")
    True
    """
    try:
        return draw(*paths)
    except viz.GraphvizNotFoundError:
        dots = [os.path.splitext(p)[0] + ".dot" for p in paths]
        log("  no layout program is installed (pip install graphviz-pure, or Graphviz's dot): "
            "writing the graph as DOT text instead of SVG")
        return draw(*dots)
