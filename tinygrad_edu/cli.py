"""The ``tinygrad-edu`` command line (also ``python -m tinygrad_edu``).

Commands
--------
``tinygrad-edu demo [--out DIR] [--seed N] [--fast]``
    The main job: train the article's 2-4-6-6-4-1 network on two circles and
    write every figure of the article to DIR (default ``out``).
``tinygrad-edu graph [--what neuron|network] [--mode forward|backward] [--out FILE]``
    Draw a computation graph (SVG, PNG, PDF or DOT text by the file's extension).
"""
from __future__ import annotations

import argparse
import os
import sys


def _demo(args) -> int:
    from .article import run_demo
    result = run_demo(out=args.out, seed=args.seed, fast=args.fast, verbose=0 if args.quiet else 1)
    print(f"test accuracy: {result['test_accuracy']:.4f}   test loss: {result['test_loss']:.4f}")
    print(f"{len(result['files'])} files written to {os.path.abspath(args.out)} "
          f"in {result['seconds']:.1f} s")
    return 0


def _graph(args) -> int:
    import numpy as np

    from . import viz
    from .article.graphs import neuron
    from .random import manual_seed
    from .recipe import build_model
    manual_seed(args.seed)
    if args.what == "neuron":
        root = neuron()
    else:
        from .nn import functional as F
        from .tensor import Tensor
        model = build_model()
        rng = np.random.default_rng(args.seed)
        X = rng.uniform(-1.5, 1.5, size=(args.batch, 2)).astype(np.float32)
        y = (np.hypot(X[:, 0], X[:, 1]) < 0.65).astype(np.float32).reshape(-1, 1)
        root = F.binary_cross_entropy(model(Tensor(X, name="X")), Tensor(y, name="Y"))
        root.name = "loss"
    root.backward()                      # so the drawing shows every gradient
    collapse = None if args.collapse == "none" else args.collapse
    try:
        path = viz.save_graph(root, path=args.out, mode=args.mode, collapse=collapse)
    except viz.GraphvizNotFoundError as e:
        print(f"tinygrad-edu graph: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-edu`` and its ``demo`` and ``graph`` commands."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu", description="tinygrad_edu: the math of deep networks, executable.",
        epilog="Run 'tinygrad-edu COMMAND --help' for the options of a command.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="train the article's network and write every figure",
        description="Train the article's 2-4-6-6-4-1 network (Keras-shaped API, Adam, 50 epochs, "
                    "batch 32) on 1000 noisy circle points, print the test accuracy and loss, and "
                    "write figures 1-9 of the article to --out.")
    demo.add_argument("--out", default="out", metavar="DIR", help="output directory (default: out)")
    demo.add_argument("--seed", type=int, default=None, metavar="N",
                      help="seed for data, weights and shuffling (default: the demo seed, for "
                           "which the full run reaches test accuracy 1.0)")
    demo.add_argument("--fast", action="store_true",
                      help="3 epochs and coarse grids: a quick smoke run (used by the tests)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    graph = sub.add_parser(
        "graph", help="draw a computation graph",
        description="Draw the computation graph of one neuron (figure 4) or of the article's "
                    "network with its loss (figure 9), forward or backward.")
    graph.add_argument("--what", choices=("neuron", "network"), default="neuron",
                       help="which graph (default: neuron)")
    graph.add_argument("--mode", choices=("forward", "backward"), default="forward",
                       help="the forward graph or the backward graph (default: forward)")
    graph.add_argument("--out", default=os.path.join("out", "graph.svg"), metavar="FILE",
                       help="output file; .svg, .png, .pdf, .dot, or .html for the explorer "
                            "(default: out/graph.svg)")
    graph.add_argument("--collapse", choices=("none", "op", "module"), default="none",
                       help="draw every primitive (none, the default), each derived op as one box "
                            "(op), or each layer as one box (module)")
    graph.add_argument("--batch", type=int, default=4, metavar="M",
                       help="samples in the network's batch (default: 4)")
    graph.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    graph.set_defaults(func=_graph)
    return parser


def _run(func, args) -> int:
    try:
        return func(args)
    except ImportError as e:          # a missing optional dependency: say which, no traceback
        print(f"tinygrad-edu {args.command}: {e}", file=sys.stderr)
        return 1


def main(argv=None) -> int:
    """Run ``tinygrad-edu`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "neuron.dot")
    >>> main(["graph", "--what", "neuron", "--out", out])  # doctest: +ELLIPSIS
    wrote .../neuron.dot
    0
    """
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from .recipe import DEMO_SEED
        args.seed = DEMO_SEED
    return _run(args.func, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
