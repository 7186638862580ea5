"""Legible at page width: vertical layouts, parameters beside their op, a colour scale per graph."""
import pathlib
import re

import numpy as np
import pytest

from tinygrad_edu.viz import draw_graph, figures, gradient_color, render
from tinygrad_edu.viz.style import GRAD_BINS, GradScale

from test_viz import mlp_241, node_by_title, parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE_WIDTH_PT = 800          # the docs' text column is ~820 px; 800 pt shows at >= 0.75 scale


def width_pt(svg_text):
    return float(re.search(r'<svg width="([\d.]+)pt"', svg_text).group(1))


@pytest.fixture(scope="module")
def network_graphs():
    return {c: figures.network_step_graphs(collapse=c, batch=4) for c in ("module", None)}


def test_the_views_run_down_the_page_by_default():
    loss, _ = mlp_241()
    assert re.search(r'rankdir="?TB\b', draw_graph(loss).source)
    assert re.search(r'rankdir="?BT\b', draw_graph(loss, mode="backward").source)
    assert re.search(r'rankdir="?LR\b', draw_graph(loss, rankdir="LR").source)


def test_a_parameter_used_once_sits_beside_its_op_and_the_spine_is_weighted():
    loss, _ = mlp_241()
    source = draw_graph(loss, collapse="module").source
    nodes, edges = parse(draw_graph(loss, collapse="module"))
    same = re.findall(r"\{rank=same; (\w+); (\w+)\}", source)
    beside = {nodes[a]["label"].split("\n")[0] for a, _ in same}
    assert {"X", "y"} <= beside or {"dense_1.kernel", "dense_2.kernel"} <= beside
    spine = [(a, b) for a, b, attrs in edges if attrs.get("weight")]
    assert spine and all(nodes[a].get("tooltip") in ("intermediate", None) or a.startswith("op")
                         for a, _ in spine)
    bsource = draw_graph(loss, mode="backward").source
    assert re.search(r"\{rank=same; bw\d+; acc\d+\}", bsource)


def test_relative_scale_spreads_the_colours_over_this_graphs_norms(network_graphs):
    _, bwd = network_graphs["module"]
    nodes, _ = parse(bwd)
    leaves = {a["label"].split("\n")[0]: a for n, a in nodes.items() if n.startswith("acc")}
    norms = {name: float(re.search(r"\|grad\| ([-+0-9.e]+)", a["label"]).group(1))
             for name, a in leaves.items()}
    fills = {a["fillcolor"] for a in nodes.values() if "fillcolor" in a}
    assert len(fills) >= 5                                     # the scale says something
    palest, darkest = GRAD_BINS[-1][1], GRAD_BINS[0][1]
    smallest, largest = min(norms, key=norms.get), max(norms, key=norms.get)
    assert leaves[smallest]["fillcolor"] == palest
    assert max(norms.values()) < 1 and darkest in fills     # dark red is this graph's largest
    darkness = [fill for _, fill, _, _ in reversed(GRAD_BINS)]     # palest first
    by_norm = sorted(norms, key=norms.get)
    shades = [darkness.index(leaves[n]["fillcolor"]) for n in by_norm]
    assert shades == sorted(shades) and shades[-1] >= shades[0] + 3   # larger is darker
    # in decades, all the graph's norms fall into four colours, relative: more
    every = [float(m) for m in re.findall(r"\|grad(?: in)?\| ([-+0-9.e]+)", bwd.source)]
    assert len({gradient_color(v)["fillcolor"] for v in every}) <= 4 < len(fills)
    assert "relative to this graph" in bwd.source


def test_grad_scale_edge_cases():
    one = GradScale([0.3, 0.3])
    assert one.colour(0.3)["fillcolor"] == GRAD_BINS[0][1] and len(one.legend()) == 3
    empty = GradScale([0.0, float("nan")])
    assert empty.colour(0.0) == gradient_color(0.0)
    assert empty.colour(float("inf"))["bin"] == "nan or inf"
    s = GradScale([1e-3, 1e-2, 1e-1, 1.0])
    bins = [s.colour(v)["bin"] for v in (1e-3, 1e-1, 1.0)]
    assert bins[0].startswith("0.001 - ") and bins[-1].endswith(" - 1")
    assert [lbl for lbl, _ in s.legend()][-2:] == ["exactly 0", "nan or inf"]
    assert GradScale([1e-3, 1.0], kind="absolute").colour(0.05) == gradient_color(0.05)
    with pytest.raises(ValueError, match="grad_scale must be"):
        GradScale(kind="decades")
    loss, p = mlp_241()
    g = draw_graph(loss, mode="backward", grad_scale="absolute")
    assert "(log scale)" in g.source
    loss.backward(retain_graph=True)
    norm = float(np.linalg.norm(p["W1"].grad.numpy()))
    assert node_by_title(parse(g)[0], "dense_1.kernel")["fillcolor"] == \
        gradient_color(norm)["fillcolor"]
    with pytest.raises(ValueError, match="grad_scale must be"):
        draw_graph(loss, mode="backward", grad_scale="log")


def test_figure_9_and_the_full_backward_graph_fit_the_page(network_graphs):
    """The article network: figure 9 (one box per layer) and every primitive, at page width."""
    widths = {}
    for collapse, (fwd, bwd) in network_graphs.items():
        for mode, g in (("forward", fwd), ("backward", bwd)):
            widths[(collapse, mode)] = width_pt(render.run(g.source, "svg").decode())
    assert widths[(None, "backward")] < 500                   # was 3,950 pt left to right
    assert widths[(None, "forward")] <= 1.25 * PAGE_WIDTH_PT, widths   # was 8,960 pt
    assert widths[("module", "forward")] <= PAGE_WIDTH_PT
    assert widths[("module", "backward")] <= PAGE_WIDTH_PT


def test_the_docs_images_fit_the_page():
    """Every graph picture the docs show (make docs-images) is at most a page wide."""
    svgs = sorted((ROOT / "docs" / "images").glob("*.svg"))
    assert len(svgs) >= 10
    for svg in svgs:
        assert width_pt(svg.read_text(encoding="utf-8")) <= PAGE_WIDTH_PT, svg.name
