"""The explorer page: one self-contained HTML file with the graph, values, gradients and steps."""
import json
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn.functional import binary_cross_entropy
from tinygrad_edu.viz import explorer, figures, save_graph

from test_viz import mlp_241
from test_viz_render import no_dot  # noqa: F401  (a fixture)


def article_loss(batch=8):
    """The article's network on a batch, after backward(retain_graph=True): (loss, model)."""
    tg.manual_seed(0)
    model = figures.article_model()
    X, y = figures.circles_batch(batch)
    loss = binary_cross_entropy(model(X), y)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss, model


def page_data(page_html):
    """The JSON the page carries."""
    text = re.search(r'<script type="application/json" id="tg-data">(.*?)</script>', page_html,
                     re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


@pytest.fixture(scope="module")
def article_page():
    loss, model = article_loss()
    return loss, model, tg.viz.explore(loss, params=model)


def test_the_page_is_one_self_contained_file(article_page):
    _, _, page = article_page
    html = page.html
    assert html.startswith("<!DOCTYPE html>") and html.count("<script") == 2
    assert "<link" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    js = (explorer.PAGE / "explorer.js").read_text()
    assert js in html and (explorer.PAGE / "explorer.css").read_text() in html
    assert not re.search(r"\b(fetch\(|XMLHttpRequest|import\()", js)    # nothing is fetched
    assert len(js.splitlines()) < 400 and max(map(len, js.splitlines())) <= 110
    assert page_data(html) == json.loads(json.dumps(page.data))


def test_the_page_holds_every_view_state_item_and_the_explain_steps(article_page):
    loss, model, page = article_page
    data = page.data
    boxes = [k for k, v in data["items"].items() if v["kind"] == "box"]
    assert sorted(b for b in data["items"] if b.startswith("B")) == sorted(boxes)
    assert {v["name"] for k, v in data["items"].items() if k in boxes} == {
        "dense_1", "dense_2", "dense_3", "dense_4", "dense_5", "binary_cross_entropy"}
    for view in ("forward", "backward"):
        assert set(data["layouts"][view]) == {""} | set(boxes)       # closed, and each box open
        closed, opened = data["layouts"][view][""], data["layouts"][view][boxes[1]]
        assert len(opened["nodes"]) > len(closed["nodes"]) and "<svg" in closed["svg"]
        assert all(v in data["items"] for v in closed["nodes"].values())
    assert data["steps"] == tg.viz.explain(loss, params=model).steps
    kernel = next(v for v in data["items"].values() if v["name"] == "dense_1.kernel")
    assert kernel["role"] == "parameter" and kernel["shape"] == [2, 4]
    grad = np.array(eval(kernel["grad"]["values"]))                       # noqa: S307
    np.testing.assert_allclose(grad, model.parameters()[0].grad.numpy(), rtol=1e-3, atol=1e-7)
    big = next(s["grad_in"] for s in data["steps"] if "hist" in s["grad_in"])
    assert big["stats"]["norm"] and sum(big["hist"]["counts"]) == big["size"] > 16
    op = next(v for v in data["items"].values() if v["kind"] == "op" and v["name"] == "MatMul")
    assert op["rule"].startswith("a @ b") and op["step"] and op["box"].startswith("B")


def test_save_graph_html_and_jupyter_display(tmp_path):
    loss, p = mlp_241()
    path = save_graph(loss, tmp_path / "graph.html", collapse="op")
    page = tg.viz.explore(loss, collapse="op")
    assert path.read_text() == page.html
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;") and "<script" not in frame
    from tinygrad_edu import cli
    assert cli.main(["graph", "--mode", "backward", "--out", str(tmp_path / "cli.html")]) == 0
    assert page_data((tmp_path / "cli.html").read_text())["steps"]
    with pytest.raises(TypeError, match="made from the tensors"):
        save_graph(tg.draw_graph(loss), tmp_path / "g.html")


def test_a_graph_without_gradients_has_the_forward_view_only():
    x = tg.Tensor([1.0, 2.0], name="x")
    page = tg.viz.explore((x * 3).sum())
    assert list(page.data["layouts"]) == ["forward"] and page.data["steps"] == []
    assert "no backward pass" in page.data["header"]


def test_the_explorer_needs_no_dot(no_dot):  # noqa: F811
    x = tg.Tensor([0.5, -1.0], requires_grad=True, name="x")
    path = save_graph((x * x).sigmoid().sum(), no_dot / "graph.html")
    assert tg.viz.render.renderer()[0] == "graphviz-pure"
    assert path.read_text().count("<svg") >= 2               # the forward and backward pictures
