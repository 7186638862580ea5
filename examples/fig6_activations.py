"""Figure 6: sigmoid, tanh, ReLU and leaky ReLU with their derivatives.

Each derivative is computed by the engine -- z.grad after g(z).sum().backward()
on 401 points of [-10, 10] -- and compared with its closed form:
sigmoid' = s (1 - s), tanh' = 1 - tanh^2, ReLU' = [z > 0],
leaky ReLU' = 1 for z > 0 else 0.01.

    python examples/fig6_activations.py --out out

Writes OUT/fig6_activations.png.
"""
import os

import numpy as np

from tinygrad_edu.article import activation_derivatives, example_parser, plot_activations


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    for name, (z, g, dg, closed) in activation_derivatives().items():
        err = float(np.max(np.abs(dg - closed)))
        print(f"{name:11s} max |autodiff - closed form| = {err:.1e}")
        assert err < 1e-10, name
    path = plot_activations(os.path.join(args.out, "fig6_activations.png"))
    print(f"wrote {path}")
    return dict(files=[path])


if __name__ == "__main__":
    main()
