"""tg.viz.explain: the chain-rule steps of a backward pass, in the engine's order, with numbers."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import engine, ops
from tinygrad_edu.viz import figures
from tinygrad_edu.viz.narrate import FORMULAS, rule_text

from test_viz import mlp_241


def engine_order(loss):
    """The ops whose rules a plain backward() runs, in its order (the engine's own runner)."""
    seen = []

    def rule(fn, grad, out):
        seen.append(fn)
        return engine.rule_on_arrays(fn, grad, out)

    engine.backpropagate([loss], [np.ones(loss.shape, loss.dtype)], rule, retain_graph=True)
    return seen


def test_one_step_per_rule_in_the_engines_order():
    loss, _ = mlp_241()
    e = tg.viz.explain(loss)
    ran = engine_order(loss)
    assert [s["op"] for s in e] == [type(fn).__name__ for fn in ran]
    assert len(e) == len(ran) and len({s["fn"] for s in e}) == len(e)      # each rule once
    assert [s["index"] for s in e] == list(range(1, len(e) + 1))
    text = str(e)
    assert text.startswith(f"The backward pass: {len(e)} derivative rules")
    assert "seed: dloss/dloss = 1" in text and f"step {len(e)} of {len(e)}" in text
    assert repr(e) == text


def test_the_flows_are_the_real_gradients_and_add_up_to_grad():
    loss, p = mlp_241()
    e = tg.viz.explain(loss, max_values=1000)
    loss.backward()
    for name in ("W1", "b2"):
        t = p[name]
        flows = [f for s in e for f in s["flows"] if f["input"] == t.name and f["result"]]
        total = sum(np.array(eval(f["result"]["values"])) for f in flows)   # noqa: S307
        np.testing.assert_allclose(total, t.grad.numpy(), rtol=1e-3, atol=1e-6)
    results = dict(e.results)
    assert set(results) == {"dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"}


def test_the_neurons_steps_read_like_the_article():
    """dZ = y_hat - y arrives at z, and each step names the rule, formula and numbers."""
    loss = figures.neuron()
    e = tg.viz.explain(loss)
    y_hat = next(t for t in tg.autograd.toposort([loss]) if t.name == "y_hat").item()
    at_z = next(s for s in e if s["output"] == "z")
    assert at_z["op"] == "Add" and at_z["grad_in_text"] == f"[[{y_hat - 1:.4f}]]"
    assert "dloss/dz = " in at_z["text"]
    mul = next(s for s in e if s["op"] == "Mul")
    assert mul["rule"] == "a * b. d/da = b, d/db = a."
    a, b = mul["flows"]
    assert a["formula"] == "grad * b" and b["needs_grad"] is False
    assert "needs no gradient" in mul["text"]
    log = next(s for s in e if s["op"] == "Log")
    assert log["flows"][0]["substituted"].count("/") == 1 and "grad / x" in log["text"]
    div = next(s for s in e if s["op"] == "Div")
    assert div["flows"][1]["substituted"].startswith("-(-")      # -grad * out / b, grad < 0
    assert "[binary_cross_entropy]" in e[0]["text"]


def test_large_tensors_are_shapes_and_statistics_small_ones_numbers():
    tg.manual_seed(0)
    model = figures.article_model()
    X, y = figures.circles_batch(8)
    loss = tg.nn.functional.binary_cross_entropy(model(X), y)
    e = tg.viz.explain(loss, params=model)
    text = str(e)
    assert "[8×4 array]" in text and "min " in text and "mean " in text and "|·|" in text
    first_matmul = next(s for s in e if s["op"] == "MatMul")
    to_kernel = next(f for f in first_matmul["flows"] if f["input"] == "dense_5.kernel")
    assert to_kernel["formula"] == "a^T @ grad"
    assert to_kernel["substituted"].startswith("[8×4 array]^T @ [[")      # 8 numbers: in full
    assert "values" in to_kernel["result"]                       # (4, 1): small, every number
    big = next(f for s in e for f in s["flows"] if f["result"] and f["result"]["size"] > 16)
    assert set(big["result"]["stats"]) >= {"min", "mean", "max", "std", "norm", "zeros"}
    assert sum(big["result"]["hist"]["counts"]) == big["result"]["size"]


def test_every_primitive_has_a_formula_and_its_docstring_rule():
    for p in ops.PRIMITIVES:
        assert p.__name__ in FORMULAS
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    assert rule_text((x * x).grad_fn).startswith("a * b.")
    where = x.relu().grad_fn
    assert "The gradient goes to a where cond holds" in rule_text(where)

    class Cube(tg.Function):
        def forward(self, x):
            return x ** 3

        def backward(self, grad, out):
            (x,) = self.inputs
            return grad * 3 * x ** 2

    c = Cube.apply(x).sum()
    e = tg.viz.explain(c)
    assert e[1]["rule"] == "Cube: a rule of its own (see Cube.backward)"
    assert e[1]["flows"][0]["formula"] == "Cube.backward"
    assert dict(e.results)["param#1"] == "[3, 12]"


def test_explain_touches_no_grad_and_works_after_backward():
    loss, p = mlp_241()
    before = tg.viz.explain(loss)
    assert all(t.grad is None for t in p.values())
    loss.backward()                                  # the graph survives backward()
    after = tg.viz.explain(loss)
    assert [s["text"] for s in after] == [s["text"] for s in before]
    assert dict(after.results)["dense_2.bias"] == f"[{p['b2'].grad.item():.4g}]"


def test_explain_errors():
    with pytest.raises(TypeError, match="explain\\(loss\\)"):
        tg.viz.explain(np.ones(2))
    with pytest.raises(ValueError, match="no root requires grad"):
        tg.viz.explain(tg.Tensor([1.0]) * 2)


def test_the_docs_show_explains_real_output():
    import pathlib
    import re
    doc = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "graphs.md").read_text()
    section = doc.split("## The backward pass, narrated")[1]
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    x = tg.Tensor([2.0], requires_grad=True, name="x")
    y = x * x + x
    y.name = "y"
    assert shown.rstrip("\n") == str(tg.viz.explain(y))
