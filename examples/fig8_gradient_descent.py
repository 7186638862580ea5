"""Figure 8: gradient descent on a loss surface.

Fits y = sin(b cos(a x)) to 200 noisy points (x in [-1, 1], true a = 1.2,
b = 2.5) by plain gradient descent, a := a - lr dJ/da, b := b - lr dJ/db,
with lr 0.04 for 180 steps from (a, b) = (-1, -1.5).  The gradients come
from the engine (sin and cos are added as two small primitives in
tinygrad_edu.article).  Draws the MSE over (a, b) in [-5, 5]^2 with the path.

    python examples/fig8_gradient_descent.py --out out --seed 0 [--fast]

Writes OUT/fig8_loss_surface.png.  --fast: a 41 x 41 surface.
"""
import os

from tinygrad_edu.article import example_parser, plot_loss_surface


def main(argv=None):
    args = example_parser(__doc__).parse_args(argv)
    path, info = plot_loss_surface(os.path.join(args.out, "fig8_loss_surface.png"),
                                   seed=args.seed, grid=41 if args.fast else 121)
    print(f"after 180 steps: a = {info['a']:.3f}, b = {info['b']:.3f}; "
          f"MSE {info['start_loss']:.3f} -> {info['loss']:.4f}")
    print(f"wrote {path}")
    return dict(files=[path], **info)


if __name__ == "__main__":
    main()
