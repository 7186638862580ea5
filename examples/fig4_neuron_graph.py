"""Figure 4: a single neuron, z = w^T x + b, y_hat = g(z), as its computation graph.

The article draws the neuron; we draw what the engine records when the
neuron runs: x @ w + b -> sigmoid -> binary cross-entropy, forward and
backward.  It also prints the gradients the engine derives and the hand
formulas dL/dw = (y_hat - y) x, dL/db = y_hat - y.

    python examples/fig4_neuron_graph.py --out out

Writes OUT/fig4_neuron_graph.svg (forward) and OUT/fig4_neuron_backward.svg.
"""
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.article import example_parser
from tinygrad_edu.nn import functional as F


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    tg.manual_seed(args.seed)
    x = tg.Tensor([[0.5, -1.0]], name="x")
    w = tg.Tensor.randn(2, 1, requires_grad=True)
    w.name = "w"
    b = tg.Tensor.zeros(1, requires_grad=True)
    b.name = "b"
    y = tg.Tensor([[1.0]], name="y")
    z = x @ w + b                     # z = w^T x + b
    y_hat = z.sigmoid()               # y_hat = g(z)
    loss = F.binary_cross_entropy(y_hat, y)
    fwd = viz.save_graph(loss, os.path.join(args.out, "fig4_neuron_graph.svg"), mode="forward")
    bwd = viz.save_graph(loss, os.path.join(args.out, "fig4_neuron_backward.svg"), mode="backward")
    loss.backward()
    by_hand = (y_hat.numpy() - y.numpy()) * x.numpy().T
    print(f"z = {z.item():.4f}, y_hat = {y_hat.item():.4f}, loss = {loss.item():.4f}")
    print(f"dL/dw autodiff {w.grad.numpy().ravel()}, by hand (y_hat - y) x {by_hand.ravel()}")
    print(f"dL/db autodiff {b.grad.item():.6f}, by hand y_hat - y {y_hat.item() - 1:.6f}")
    assert np.allclose(w.grad.numpy(), by_hand, atol=1e-6)
    print(f"wrote {fwd}\nwrote {bwd}")
    return dict(files=[fwd, bwd])


if __name__ == "__main__":
    main()
