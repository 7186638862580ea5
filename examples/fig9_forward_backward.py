"""Figure 9: forward and backward propagation through the real network.

Runs the article's 2-4-6-6-4-1 model and its loss on a small batch and
renders the two graphs the engine records: forward (X -> Z[l] = A[l-1] W[l]
+ b[l] -> A[l] = g(Z[l]) -> loss) and backward (dA, dZ, dW, db flowing back).

    python examples/fig9_forward_backward.py --out out --seed 0

Writes OUT/fig9_forward_graph.svg and OUT/fig9_backward_graph.svg.
"""
import os

from tinygrad_edu.article import build_model, example_parser, load_circles, plot_network_graphs


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    X_train, X_test, y_train, y_test = load_circles(args.seed)
    model = build_model()
    fwd, bwd = plot_network_graphs(model, X_train[:4], y_train[:4],
                                   os.path.join(args.out, "fig9_forward_graph.svg"),
                                   os.path.join(args.out, "fig9_backward_graph.svg"))
    print(f"wrote {fwd}\nwrote {bwd}")
    return dict(files=[fwd, bwd])


if __name__ == "__main__":
    main()
