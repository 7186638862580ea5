"""Ready-made graphs for the article and the docs.

Each function builds a small, seeded computation and returns Graphviz
drawings of it (see ``docs/graphs.md``):

* :func:`neuron_graphs` -- one neuron, z = w^T x + b, y_hat = sigmoid(z), with
  its loss (the article's figure 4), forward and backward.
* :func:`network_step_graphs` -- the article's 2-4-6-6-4-1 network on a batch
  of the circles data: the forward and backward graphs of one training step
  (figure 9).
* :func:`dead_unit_graph` -- a three-unit ReLU layer written one unit at a
  time, with unit 2 dead: its whole path is grey (zero gradient) in the
  backward graph.
* :func:`dead_network_graph` -- the article's network with every ReLU of one
  layer dead (the dying-ReLU failure): no gradient reaches the layers below.
"""
from __future__ import annotations

import numpy as np

from .. import autograd
from ..tensor import Tensor
from ._graph import draw_graph, training_step_graphs

__all__ = ["neuron", "neuron_graphs", "article_model", "circles_batch", "network_step_graphs",
           "dead_unit_network", "dead_unit_graph", "dead_network_graph"]


def neuron():
    """The loss of one neuron on one sample: y_hat = sigmoid(w^T x + b), BCE against y = 1.

    Column vectors, as in the article: x and w have shape (2, 1).
    """
    from ..nn.functional import binary_cross_entropy
    x = Tensor([[0.5], [-1.0]], name="x")
    w = Tensor([[0.3], [0.8]], requires_grad=True, name="w")
    b = Tensor([[0.1]], requires_grad=True, name="b")
    z = w.T @ x + b
    z.name = "z"
    y_hat = z.sigmoid()
    y_hat.name = "y_hat"
    loss = binary_cross_entropy(y_hat, Tensor([[1.0]], name="y"))
    loss.name = "loss"
    return loss


def neuron_graphs(collapse="op"):
    """Figure 4: ``(forward, backward)`` graphs of :func:`neuron` after its backward."""
    loss = neuron()
    loss.backward()
    return (draw_graph(loss, collapse=collapse, title="one neuron: y_hat = sigmoid(w^T x + b)"),
            draw_graph(loss, mode="backward", collapse=collapse))


def article_model():
    """The article's network: Dense 2-4-6-6-4-1, ReLU x4, sigmoid (117 parameters)."""
    from ..recipe import build_model
    return build_model(compile=False)


def circles_batch(n=8, seed=0):
    """``n`` points of the article's circles data (factor 0.3, noise 0.1) as ``(X, y)`` Tensors."""
    from ..datasets import make_circles
    X, y = make_circles(n_samples=1000, factor=0.3, noise=0.1, random_state=seed)
    return (Tensor(X[:n].astype(np.float32), name="X"),
            Tensor(y[:n].astype(np.float32).reshape(-1, 1), name="y"))


def network_step_graphs(model=None, batch=8, seed=0, collapse="op", optimizer=True):
    """Figure 9: ``(forward, backward)`` graphs of one training step of the article's network.

    Forward, BCE loss, ``backward()``, drawing, then one Adam
    step (``optimizer=False`` skips it).  The forward graph shows every
    tensor's gradient (dZ, dA, dW, db), the backward graph their norms.
    """
    from .. import optim
    from ..nn.functional import binary_cross_entropy
    from ..random import manual_seed
    if model is None:
        manual_seed(seed)
        model = article_model()
    X, y = circles_batch(batch, seed)
    opt = optim.Adam(model.parameters(), lr=0.001) if optimizer else None
    return training_step_graphs(model, X, y, binary_cross_entropy, optimizer=opt,
                                forward_kwargs={"collapse": collapse, "max_values": 2},
                                backward_kwargs={"collapse": collapse})


def dead_unit_network(seed=0, batch=8, dead_unit=2):
    """Loss of a 3-unit ReLU layer written per unit, with unit ``dead_unit`` dead.

    Unit j computes h_j = relu(X @ w_j + b_j) inside ``scope('unit_j')``; the
    output is sigmoid(sum_j h_j v_j + c).  The dead unit's bias is -8, so its
    pre-activation is negative for every input in [-1.5, 1.5]^2: relu passes
    no gradient, and w_j, b_j and v_j all get exactly zero.
    """
    from ..nn.functional import binary_cross_entropy
    rng = np.random.default_rng(seed)
    X, y = circles_batch(batch, seed)
    total = None
    for j in range(1, 4):
        w = Tensor(rng.normal(0.0, 0.8, (2, 1)).astype(np.float32), requires_grad=True,
                   name=f"w{j}")
        b = Tensor([-8.0 if j == dead_unit else 0.1], requires_grad=True, name=f"b{j}")
        v = Tensor(rng.normal(0.0, 1.0, (1, 1)).astype(np.float32), requires_grad=True,
                   name=f"v{j}")
        with autograd.scope(f"unit_{j}"):
            h = (X @ w + b).relu()
        term = h @ v
        total = term if total is None else total + term
    c = Tensor([0.0], requires_grad=True, name="c")
    with autograd.scope("output"):
        p = (total + c).sigmoid()
    loss = binary_cross_entropy(p, y)
    loss.name = "loss"
    return loss


def dead_unit_graph(seed=0, collapse="op"):
    """Backward graph of :func:`dead_unit_network`: the dead unit's path is grey."""
    loss = dead_unit_network(seed)
    return draw_graph(loss, mode="backward", collapse=collapse,
                      title="ReLU unit 2 is dead: no gradient flows along its path")


def dead_network_graph(seed=0, dead_layer=4, collapse="op"):
    """Backward graph of the article's network with every ReLU of ``dense_<dead_layer>`` dead.

    The layer's biases are set to -50, so all its units output 0 for every
    sample: the gradient stops there and the layers below get exactly zero.
    """
    from ..nn.functional import binary_cross_entropy
    from ..random import manual_seed
    manual_seed(seed)
    model = article_model()
    X, y = circles_batch(8, seed)
    model(X)                                        # build the layers
    params = dict(model.named_parameters())
    with autograd.no_grad():
        params[f"dense_{dead_layer}.bias"].data = np.full(
            params[f"dense_{dead_layer}.bias"].shape, -50.0, dtype=np.float32)
    loss = binary_cross_entropy(model(X), y)
    loss.name = "loss"
    return draw_graph(loss, mode="backward", collapse=collapse, params=model,
                      title=f"dense_{dead_layer} is dead: layers below get zero gradient")
