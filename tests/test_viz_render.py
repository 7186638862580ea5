"""Rendering graphs: with Graphviz's dot, and with pip alone (graphviz-pure, no dot on PATH)."""
import os
import shutil
import subprocess
import sys

import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import GraphvizNotFoundError, draw_graph, render, save_graph

from test_viz import mlp_241

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """PATH holds nothing: no dot, no graphviz-pure on it (graphviz-pure is found beside Python)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("TINYGRAD_EDU_RENDERER", raising=False)
    assert shutil.which("dot") is None
    return tmp_path


def test_system_dot_is_installed_for_the_dot_tests():
    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("Graphviz's dot is not installed (make graphviz installs it); graphviz-pure "
                    "renders instead")
    assert shutil.which("dot"), "make test installs Graphviz (scripts/install_graphviz.sh)"
    assert render.renderer()[0] == "dot"


def test_render_svg_png_pdf_and_dot(tmp_path):
    loss, _ = mlp_241()
    loss.backward(retain_graph=True)
    svg = save_graph(loss, path=tmp_path / "f.svg", collapse="op")
    text = svg.read_text()
    assert "<svg" in text and "dense_1.kernel" in text and "binary_cross_entropy" in text
    png = save_graph(loss, tmp_path / "sub" / "b.png", mode="backward")   # positional path
    assert png.read_bytes()[:8] == PNG and png.stat().st_size > 1000
    if render.renderer()[0] == "dot":
        assert save_graph(draw_graph(loss), path=tmp_path / "f.pdf").read_bytes()[:4] == b"%PDF"
    dot = save_graph(loss, path=tmp_path / "f.gv")
    assert dot.read_text().startswith("digraph forward")
    out = draw_graph(loss).render(tmp_path / "r", format="svg")
    assert out.endswith("r.svg") and os.path.exists(out) and (tmp_path / "r").exists()
    out = draw_graph(loss).render(outfile=tmp_path / "o.png", cleanup=True)
    assert out.endswith("o.png") and not (tmp_path / "o.gv").exists()


def test_without_dot_svg_png_render_and_jupyter_work_with_graphviz_pure(no_dot):
    """The pip-only path: no dot anywhere on PATH, and every way of getting a picture works."""
    loss, _ = mlp_241()
    loss.backward(retain_graph=True)
    assert render.renderer()[0] == "graphviz-pure"
    svg = save_graph(loss, no_dot / "g.svg")
    text = svg.read_text()
    assert "<svg" in text and "graphviz-pure" in text and "dense_2.kernel" in text
    assert save_graph(loss, no_dot / "g.png", mode="backward").read_bytes()[:8] == PNG
    g = draw_graph(loss, collapse="module")
    assert g.pipe(format="svg")[:5] == b"<?xml"
    assert g.render(no_dot / "r", format="png").endswith("r.png")
    assert "<svg" in g._repr_image_svg_xml()                      # what Jupyter shows
    assert "<svg" in g._repr_mimebundle_()["image/svg+xml"]
    assert g._repr_mimebundle_(include=["image/png"])["image/png"][:8] == PNG


def test_without_dot_pdf_says_what_to_do(no_dot):
    loss, _ = mlp_241()
    with pytest.raises(GraphvizNotFoundError, match="cannot write 'pdf'.*Save as .svg or .png"):
        save_graph(loss, no_dot / "g.pdf")
    assert not (no_dot / "g.pdf").exists()


def test_with_no_renderer_at_all_one_clear_error(no_dot, monkeypatch):
    loss, _ = mlp_241()
    g = draw_graph(loss)
    monkeypatch.setattr(render, "_pure_path", lambda: None)
    assert g.source.startswith("digraph")
    assert save_graph(loss, path=no_dot / "g.dot").read_text() == draw_graph(loss).source
    for attempt in (lambda: g.pipe(format="svg"), lambda: g.render(no_dot / "x", format="png"),
                    lambda: save_graph(loss, path=no_dot / "g.svg"),
                    lambda: g._repr_image_svg_xml()):                # what Jupyter calls
        with pytest.raises(GraphvizNotFoundError) as info:
            attempt()
        msg = str(info.value)
        assert "pip install graphviz-pure" in msg and "apt-get install graphviz" in msg
        assert "brew install" in msg and info.value.__cause__ is None
    assert not (no_dot / "g.svg").exists()


def test_the_renderer_can_be_forced(monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_RENDERER", "graphviz-pure")
    assert render.renderer()[0] == "graphviz-pure"
    assert b"graphviz-pure" in render.run("digraph { a -> b }", "svg")
    monkeypatch.setenv("TINYGRAD_EDU_RENDERER", "neato")
    with pytest.raises(ValueError, match="must be 'dot' or 'graphviz-pure'"):
        render.renderer()
    monkeypatch.setenv("TINYGRAD_EDU_RENDERER", "graphviz-pure")
    with pytest.raises(RuntimeError, match="could not render"):
        render.run("digraph { a -> ", "svg")


def test_a_subprocess_with_dot_stripped_from_path_writes_svg(no_dot):
    """What a user without Graphviz sees: a fresh Python, PATH without dot, save_graph(.svg)."""
    code = ("import shutil, tinygrad_edu as tg\n"
            "assert shutil.which('dot') is None\n"
            "x = tg.Tensor([1.0, 2.0], requires_grad=True, name='x')\n"
            "y = (x * x).sum(); y.backward()\n"
            "print(tg.save_graph(y, 'g.svg'))\n")
    env = dict(os.environ, PATH=str(no_dot / "empty-path"), PYTHONPATH=os.getcwd())
    out = subprocess.run([sys.executable, "-c", code], cwd=no_dot, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "g.svg" and "<svg" in (no_dot / "g.svg").read_text()


def test_graphviz_is_imported_lazily():
    code = ("import sys, tinygrad_edu as tg\n"
            "assert 'graphviz' not in sys.modules\n"
            "f = tg.draw_graph\n"
            "assert 'graphviz' not in sys.modules\n"
            "g = f(tg.Tensor([1.0], requires_grad=True) * 2)\n"
            "assert 'graphviz' in sys.modules and type(g).__name__ == 'Graph'\n"
            "import graphviz; assert isinstance(g, graphviz.Digraph)\n"
            "assert tg.viz.draw_graph is f and tg.save_graph is tg.viz.save_graph\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_render_without_dot(no_dot):
    """make demo's graphs need no apt: the article's figure 9 renders with graphviz-pure."""
    from tinygrad_edu.article.graphs import plot_network_graphs
    from tinygrad_edu.recipe import build_model, load_circles
    X, _, y, _ = load_circles(seed=0)
    fwd, bwd = plot_network_graphs(build_model(), X[:4], y[:4], str(no_dot / "f.svg"),
                                   str(no_dot / "b.svg"))
    assert fwd.endswith(".svg") and "dense_5" in open(bwd).read()
    assert tg.viz.render.renderer()[0] == "graphviz-pure"


def test_the_project_files_install_what_the_pictures_and_their_tests_need():
    """make demo: pip only (graphviz-pure); make test: also dot, Chromium and its driver."""
    import configparser
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parents[1]
    make = (root / "Makefile").read_text()
    rules = dict(re.findall(r"^([\w-]+):([^\n=]*)$", make, re.M))
    assert rules["demo"].split() == ["install"] and rules["install"].split() == ["$(STAMP)"]
    assert "test-deps" in rules["test"].split()
    assert set(rules["test-deps"].split()) == {"graphviz", "browser"}
    assert "install_browser.sh" in make and "install_graphviz.sh" in make
    browser = (root / "scripts" / "install_browser.sh").read_text()
    assert "apt-get install -y -qq chromium chromium-driver" in browser
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    extras = {k: {re.split(r"[<>=;\s]", line)[0] for line in v.split("\n") if line.strip()}
              for k, v in cfg["options.extras_require"].items()}
    assert "graphviz-pure" in extras["viz"]
    assert {"graphviz-pure", "selenium", "nbclient", "nbformat", "ipykernel"} <= extras["dev"]
    lock = (root / "requirements-lock.txt").read_text()
    for name in ("graphviz-pure", "selenium", "nbclient", "nbformat", "ipykernel"):
        assert re.search(rf"^{name}==", lock, re.M), name
    assert "page/*.js" in cfg["options.package_data"]["tinygrad_edu.viz"]
