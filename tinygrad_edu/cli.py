"""The ``tinygrad-edu`` command line: ``tinygrad-edu demo --out out``."""
from __future__ import annotations

import argparse
import sys


def _demo(args) -> int:
    """A single neuron y_hat = sigmoid(w . x + b), its loss, and the derived gradients."""
    import numpy as np

    import tinygrad_edu as tg
    from tinygrad_edu.nn import functional as F

    tg.manual_seed(args.seed)
    x = tg.Tensor([[0.5, -1.0]], name="x")
    w = tg.Tensor.randn(2, 1, requires_grad=True)
    b = tg.Tensor.zeros(1, requires_grad=True)
    y = tg.Tensor([[1.0]])
    z = x @ w + b
    y_hat = z.sigmoid()
    loss = F.binary_cross_entropy(y_hat, y)
    loss.backward()
    print(f"z = w^T x + b = {z.item():.4f}, y_hat = sigmoid(z) = {y_hat.item():.4f}, "
          f"loss = {loss.item():.4f}")
    print(f"dL/dw = {w.grad.numpy().ravel()}  (autodiff)")
    print(f"      = {((y_hat.numpy() - y.numpy()) * x.numpy()).ravel()}  ((y_hat - y) x, by hand)")
    assert np.allclose(w.grad.numpy().ravel(), ((y_hat.numpy() - y.numpy()) * x.numpy()).ravel(),
                       atol=1e-6)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job")
    demo.add_argument("--out", default="out", help="output directory (default: out)")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
