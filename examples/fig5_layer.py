"""Figure 5: one layer, vectorised -- from a loop over neurons to one matrix product.

The article writes layer l neuron by neuron, z_i = w_i^T a + b_i, then stacks
the neurons into z = W a + b and the m samples into columns, Z = W A + b.
We store samples as rows (like Keras and NumPy), so our layer computes
Z = A @ W + b: the same numbers, transposed.  This script checks all three
forms agree and draws the graph the engine records for the vectorised layer.

    python examples/fig5_layer.py --out out --seed 0

Writes OUT/fig5_layer_graph.svg.
"""
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.article import example_parser, plot_layer_graph


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    rng = np.random.default_rng(args.seed)
    m, n_in, n_out = 5, 2, 4
    A = rng.normal(size=(m, n_in))            # m samples as rows
    W = rng.normal(size=(n_in, n_out))        # our kernel: (n_in, n_out)
    b = rng.normal(size=n_out)

    # 1. neuron by neuron, sample by sample: z_i = w_i^T a + b_i
    loop = np.array([[W[:, i] @ A[k] + b[i] for i in range(n_out)] for k in range(m)])
    # 2. the article's column form: Z = W A + b, W of shape (n_out, n_in), samples as columns
    article = W.T @ A.T + b[:, None]
    # 3. ours, with Tensors: Z = A W + b, samples as rows
    ours = (tg.Tensor(A, dtype="float64") @ tg.Tensor(W, dtype="float64") + tg.Tensor(b)).numpy()
    assert np.allclose(loop, ours) and np.allclose(article.T, ours)
    print(f"Z by loop, by the article's W A + b (transposed) and by A @ W + b agree; "
          f"shape {ours.shape} = (m samples, n neurons)")
    path = plot_layer_graph(os.path.join(args.out, "fig5_layer_graph.svg"), m=m)
    print(f"wrote {path}")
    return dict(files=[path])


if __name__ == "__main__":
    main()
