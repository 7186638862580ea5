"""Regenerate the graph pictures of docs/graphs.md ("Reading the graphs").

    python scripts/make_graph_images.py [--out docs/images]

Every picture is built by ``tinygrad_edu.viz.figures`` (seeded, so the files
only change when the code does) and written as SVG by graphviz-pure (pip).
"""
import argparse
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# graphviz-pure brings its own fonts: the pictures come out the same on every machine
os.environ.setdefault("TINYGRAD_EDU_RENDERER", "graphviz-pure")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.viz import figures, save_graph  # noqa: E402


def second_order():
    """d/dx tanh(x), drawn: the backward of Tanh becomes ordinary forward ops."""
    x = tg.Tensor([0.5, -1.0], requires_grad=True, name="x", dtype="float64")
    y = x.tanh().sum()
    (dy,) = tg.grad(y, x, create_graph=True)
    dy.name = "dy/dx"
    return tg.draw_graph(dy, title="dy/dx of y = sum(tanh(x)), from grad(..., create_graph=True)")


def images():
    """{file name: graph} for every picture of the page."""
    neuron_fwd, neuron_bwd = figures.neuron_graphs(collapse="op")
    loss = figures.neuron()
    loss.backward()
    y_hat = next(t for t in tg.autograd.toposort([loss]) if t.name == "y_hat")
    step_fwd, step_bwd = figures.network_step_graphs(collapse="module", batch=4)
    return {
        "graphs_neuron_forward.svg": neuron_fwd,
        "graphs_neuron_backward.svg": neuron_bwd,
        "graphs_neuron_primitives.svg": tg.draw_graph(y_hat, collapse=None, legend=False),
        "graphs_network_layers_forward.svg": step_fwd,
        "graphs_network_layers_backward.svg": step_bwd,
        "graphs_dead_unit.svg": figures.dead_unit_graph(),
        "graphs_dead_network.svg": figures.dead_network_graph(),
        "graphs_second_order.svg": second_order(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"), help="target folder")
    args = parser.parse_args(argv)
    for name, graph in images().items():
        path = save_graph(graph, path=pathlib.Path(args.out) / name)
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
