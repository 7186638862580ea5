"""Figure 2: the architecture 2-4-6-6-4-1, drawn from the model object.

Builds the article's model with the Keras-shaped API, prints its summary and
draws it: the layer sizes and activations are read from the model's layers
(kernel shapes and activation names), not typed into the drawing.

    python examples/fig2_architecture.py --out out

Writes OUT/fig2_architecture.png.
"""
import os

from tinygrad_edu.article import build_model, example_parser, plot_architecture


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    import tinygrad_edu as tg
    tg.manual_seed(args.seed)
    model = build_model()
    model.summary()
    path = plot_architecture(model, os.path.join(args.out, "fig2_architecture.png"))
    print(f"wrote {path}")
    return dict(files=[path])


if __name__ == "__main__":
    main()
