"""Figure 1: the training set, two noisy concentric circles.

make_circles(n_samples=1000, factor=0.3, noise=0.10), split 90% / 10% with
split seed 42; the 900 training points drawn with the Spectral colormap and
black edges (outer ring: class 0, inner ring: class 1).

    python examples/fig1_dataset.py --out out --seed 0

Writes OUT/fig1_dataset.png.
"""
import os

import numpy as np

from tinygrad_edu.article import example_parser, load_circles, plot_dataset


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    X_train, X_test, y_train, y_test = load_circles(args.seed)
    print(f"{len(X_train)} training points: {int(np.sum(y_train == 0))} of class 0 (outer), "
          f"{int(np.sum(y_train == 1))} of class 1 (inner); {len(X_test)} test points")
    path = plot_dataset(X_train, y_train, os.path.join(args.out, "fig1_dataset.png"))
    print(f"wrote {path}")
    return dict(files=[path])


if __name__ == "__main__":
    main()
