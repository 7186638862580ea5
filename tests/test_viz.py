"""Graph drawings: structure parsed from the DOT source (no rendering), and real rendering."""
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.nn.functional import binary_cross_entropy
from tinygrad_edu.viz import draw_graph, gradient_color, save_graph
from tinygrad_edu.viz import figures

# ---------------------------------------------------------------- DOT parsing --
_Q = r'"(?:[^"\\]|\\.)*"'
STMT = re.compile(r'^\s*(\w+)(?: -> (\w+))?(?: \[((?:[^\]"]|' + _Q + r')*)\])?\s*$', re.M)
ATTR = re.compile(r'(\w+)=(' + _Q + r'|[^\s\]]+)')
CLUSTER = re.compile(r'subgraph (cluster_\w+) \{\s*graph \[((?:[^\]"]|' + _Q + r')*)\]')


def _attrs(text):
    out = {}
    for k, v in ATTR.findall(text or ""):
        out[k] = v[1:-1].replace('\\"', '"') if v.startswith('"') else v
    return out


def parse(graph, legend=False):
    """(nodes {name: attrs}, edges [(tail, head, attrs)]) of a drawn graph."""
    nodes, edges = {}, []
    for m in STMT.finditer(graph.source):
        a, b, attrs = m.group(1), m.group(2), _attrs(m.group(3))
        if a in ("graph", "node", "edge", "digraph", "subgraph"):
            continue
        if not legend and a.startswith("legend_"):
            continue
        if b:
            edges.append((a, b, attrs))
        else:
            nodes[a] = attrs
    return nodes, edges


def clusters(graph):
    return [_attrs(m.group(2)) for m in CLUSTER.finditer(graph.source)
            if m.group(1) != "cluster_legend"]


def labels(nodes, prefix=""):
    return [a["label"] for n, a in nodes.items() if n.startswith(prefix)]


def node_by_title(nodes, title):
    found = [a for a in nodes.values() if a.get("label", "").split("\n")[0] == title]
    assert len(found) == 1, (title, [a.get("label") for a in nodes.values()])
    return found[0]


def number_after(label, key):
    m = re.search(re.escape(key) + r" ([-+0-9.e]+)", label)
    assert m, (key, label)
    return float(m.group(1))


# ------------------------------------------------------------------ fixtures --
def mlp_241(seed=0):
    """A 2-4-1 MLP from raw tensors, named and scoped like Dense layers."""
    rng = np.random.default_rng(seed)
    X = tg.Tensor(rng.normal(size=(8, 2)).astype(np.float32), name="X")
    y = tg.Tensor((rng.random((8, 1)) > 0.5).astype(np.float32), name="y")
    W1 = tg.Tensor(rng.normal(0, 0.7, (2, 4)).astype(np.float32), requires_grad=True,
                   name="dense_1.kernel")
    b1 = tg.Tensor(np.zeros(4, np.float32), requires_grad=True, name="dense_1.bias")
    W2 = tg.Tensor(rng.normal(0, 0.7, (4, 1)).astype(np.float32), requires_grad=True,
                   name="dense_2.kernel")
    b2 = tg.Tensor(np.zeros(1, np.float32), requires_grad=True, name="dense_2.bias")
    with autograd.scope("dense_1"):
        a1 = (X @ W1 + b1).relu()
    with autograd.scope("dense_2"):
        a2 = (a1 @ W2 + b2).sigmoid()
    loss = binary_cross_entropy(a2, y)
    loss.name = "loss"
    return loss, dict(W1=W1, b1=b1, W2=W2, b2=b2, X=X, y=y)


def dense_model():
    tg.manual_seed(3)
    model = Sequential()
    model.add(Dense(4, input_dim=2, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    return model


def recorded_functions(*roots):
    return [t._ctx for t in autograd.toposort(list(roots)) if t._ctx is not None]


# ---------------------------------------------------------- forward structure --
def test_forward_small_graph_exact_structure():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = tg.Tensor([3.0, 4.0], name="b")
    c = tg.Tensor([0.5, 0.5], requires_grad=True, name="c")
    y = a * b + c
    y.name = "y"
    nodes, edges = parse(draw_graph(y))
    tensors = {n: v for n, v in nodes.items() if n.startswith("t")}
    ops = {n: v for n, v in nodes.items() if n.startswith("op")}
    assert len(tensors) == 5 and len(ops) == 2 and len(edges) == 6
    assert sorted(o["label"] for o in ops.values()) == ["Add", "Mul"]
    assert node_by_title(nodes, "a")["tooltip"] == "parameter"
    assert node_by_title(nodes, "b")["tooltip"] == "input"
    assert node_by_title(nodes, "y")["tooltip"] == "output"
    assert node_by_title(nodes, "a")["label"] == "a\n(2,) float32\n[1., 2.]"
    assert "[3.5, 8.5]" in node_by_title(nodes, "y")["label"]
    # edges go input -> op -> output
    name_of = {v["label"].split("\n")[0]: k for k, v in nodes.items()}
    mul, add = name_of["Mul"], name_of["Add"]
    assert (name_of["a"], mul) in [(t, h) for t, h, _ in edges]
    assert (add, name_of["y"]) in [(t, h) for t, h, _ in edges]


def test_forward_shows_grad_after_backward_and_summaries_for_big_tensors():
    x = tg.Tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True, name="x")
    y = (x * x).sum()
    y.backward(retain_graph=True)
    label = node_by_title(parse(draw_graph(y))[0], "x")["label"]
    assert "min 0  mean 5.5  max 11" in label
    assert "grad min 0  mean 11  max 22" in label
    label = node_by_title(parse(draw_graph(y, show_data=False, show_grad=False))[0], "x")["label"]
    assert label == "x\n(3, 4) float32"
    label = node_by_title(parse(draw_graph(y, max_values=12))[0], "x")["label"]
    assert "[[ 0.,  1.,  2.,  3.]" in label


def test_show_grad_all_gives_dz_equal_to_yhat_minus_y():
    loss = figures.neuron()
    nodes, _ = parse(draw_graph(loss, show_grad="all"))
    z_label = node_by_title(nodes, "z")["label"]
    y_hat = loss._ctx  # walk to y_hat through the graph: find the tensor named y_hat
    y_hat = next(t for t in autograd.toposort([loss]) if t.name == "y_hat")
    dz = y_hat.item() - 1.0                                   # dZ = Y_hat - Y, m = 1
    assert re.search(r"grad \[\[(-?[0-9.]+)\]\]", z_label)
    got = float(re.search(r"grad \[\[(-?[0-9.]+)\]\]", z_label).group(1))
    assert got == pytest.approx(dz, abs=2e-3)
    # the drawing computed it without touching .grad
    assert all(t.grad is None for t in autograd.toposort([loss]))


def test_constants_are_folded_into_op_labels_or_drawn():
    x = tg.Tensor([1.0, -2.0], requires_grad=True, name="x")
    y = (x * -1) + 1.0
    nodes, _ = parse(draw_graph(y))
    assert sorted(labels(nodes, "op")) == ["Add(·, 1)", "Mul(·, -1)"]
    assert not [a for a in nodes.values() if a.get("tooltip") == "constant"]
    nodes, _ = parse(draw_graph(y, fold_constants=False))
    assert len([a for a in nodes.values() if a.get("tooltip") == "constant"]) == 2
    assert sorted(labels(nodes, "op")) == ["Add", "Mul"]


def test_roles_inputs_constants_and_where_mask():
    x = tg.Tensor([[-1.0, 2.0, 3.0, 4.0]])               # unnamed user data
    w = tg.Tensor([[1.0, 1.0, 1.0, 1.0]], requires_grad=True)
    out = (x * w).relu().sum().sigmoid()                # sigmoid makes a sign mask inside
    nodes, _ = parse(draw_graph(out, fold_constants=False, max_values=8))
    roles = sorted(a["tooltip"] for n, a in nodes.items() if n.startswith("t"))
    assert roles.count("input") == 1 and roles.count("parameter") == 1
    assert roles.count("output") == 1 and roles.count("constant") >= 2
    assert "Where\nmask 75% true" in labels(nodes, "op")
    nodes, _ = parse(draw_graph(out, inputs={"X": x}))
    assert node_by_title(nodes, "X")["tooltip"] == "input"


def test_mlp_forward_counts_names_and_clusters():
    loss, p = mlp_241()
    fns = recorded_functions(loss)
    g = draw_graph(loss)
    nodes, edges = parse(g)
    ops = [n for n in nodes if n.startswith("op")]
    assert len(ops) == len(fns)
    titles = {a["label"].split("\n")[0] for a in nodes.values()}
    assert {"dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias", "X", "y",
            "loss"} <= titles
    # every recorded op has exactly one outgoing edge (to its output tensor)
    assert sorted(t for t, _, _ in edges if t.startswith("op")) == sorted(ops)
    found = clusters(g)
    solid = {c["label"] for c in found if "dashed" not in c["style"]}
    dashed = {c["label"] for c in found if "dashed" in c["style"]}
    assert solid == {"dense_1", "dense_2"}
    assert {"relu", "sigmoid", "binary_cross_entropy", "clip"} <= dashed


# ------------------------------------------------------------------- collapse --
def test_collapse_op_and_module_and_names():
    loss, _ = mlp_241()
    ops = labels(parse(draw_graph(loss, collapse="op"))[0], "op")
    assert sorted(o.split("\n")[0] for o in ops) == sorted(
        ["MatMul", "Add", "relu", "MatMul", "Add", "sigmoid", "binary_cross_entropy"])
    assert "sigmoid\nMul · Exp · Where · Add · Div" in ops
    g = draw_graph(loss, collapse="module")
    nodes, edges = parse(g)
    assert sorted(o.split("\n")[0] for o in labels(nodes, "op")) == [
        "binary_cross_entropy", "dense_1", "dense_2"]
    assert "dense_1\nMatMul · Add · relu" in labels(nodes, "op")
    # only the tensors crossing box boundaries remain, internal ones are hidden
    tensors = [a["label"].split("\n")[0] for n, a in nodes.items() if n.startswith("t")]
    assert len(tensors) == 9 and clusters(g) == []
    assert len(edges) == 11
    only = labels(parse(draw_graph(loss, collapse=["sigmoid"]))[0], "op")
    assert sum(o.startswith("sigmoid") for o in only) == 1
    assert "relu" not in [o.split("\n")[0] for o in only]


def test_collapse_keeps_separate_calls_apart():
    x = tg.Tensor([[1.0, -1.0]], requires_grad=True)
    w = tg.Tensor([[1.0, 0.5], [0.5, 1.0]], requires_grad=True)
    y = ((x.relu() @ w).relu()).sum()
    ops = labels(parse(draw_graph(y, collapse="op"))[0], "op")
    assert [o.split("\n")[0] for o in ops] == ["relu", "MatMul", "relu", "Sum"]


def test_collapse_rejects_unknown_mode():
    loss, _ = mlp_241()
    with pytest.raises(ValueError, match="collapse must be"):
        draw_graph(loss, collapse="layers")


# ----------------------------------------------------------------- backward --
def test_backward_structure_one_node_per_rule_and_named_accumulation():
    loss, p = mlp_241()
    fns = recorded_functions(loss)
    nodes, edges = parse(draw_graph(loss, mode="backward"))
    rules = [a["label"].split("\n")[0] for n, a in nodes.items() if n.startswith("bw")]
    assert len(rules) == len(fns)
    assert sorted(rules) == sorted(f"{type(f).__name__} backward" for f in fns)
    acc = {a["label"].split("\n")[0]: a["label"] for n, a in nodes.items() if n.startswith("acc")}
    assert set(acc) == {"dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"}
    assert "grad (2, 4)" in acc["dense_1.kernel"] and "grad (4,)" in acc["dense_1.bias"]
    # edges run from the output towards the leaves: the seed first, leaves only receive
    assert any(t.startswith("seed") for t, _, _ in edges)
    assert not any(t.startswith("acc") for t, _, _ in edges)
    assert not any(h.startswith("seed") for _, h, _ in edges)
    # every grad-requiring input of every op gets one edge
    assert len([e for e in edges if not e[0].startswith("seed")]) == sum(
        len({id(x) for x in f.inputs if x.requires_grad}) for f in fns)


def test_backward_gradients_are_the_real_ones():
    loss, p = mlp_241()
    nodes, _ = parse(draw_graph(loss, mode="backward", grad_scale="absolute"))
    loss.backward()                                       # the engine's own gradients
    for name, t in (("dense_1.kernel", p["W1"]), ("dense_2.bias", p["b2"])):
        label = node_by_title(nodes, name)["label"]
        norm = float(np.linalg.norm(t.grad.numpy()))
        assert number_after(label, "|grad|") == pytest.approx(norm, rel=2e-3)
        assert node_by_title(nodes, name)["fillcolor"] == gradient_color(norm)["fillcolor"]


def test_backward_edge_gradients_sum_to_leaf_grad_for_shared_tensor():
    x = tg.Tensor([0.5, -1.5, 2.0], requires_grad=True, name="x", dtype="float64")
    y = (x * x + x.exp()).sum()                           # x used three times
    trace = __import__("tinygrad_edu.viz._graph", fromlist=["_Trace"])._Trace([y])
    totals, edge_grads = trace.backprop()
    into_x = [g for (k, pos), g in edge_grads.items() if trace.fns[k][0].inputs[pos] is x]
    assert len(into_x) == 3
    y.backward()
    np.testing.assert_allclose(sum(into_x), x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(totals[id(x)], x.grad.numpy(), rtol=1e-12)


def test_colour_scale_bins():
    assert gradient_color(1.0)["bin"] == ">= 1e+00"
    assert gradient_color(0.999)["bin"] == "[1e-01, 1e+00)"
    assert gradient_color(1e-3)["bin"] == "[1e-03, 1e-02)"
    assert gradient_color(1e-9)["bin"] == "(0, 1e-05)"
    zero = gradient_color(0.0)
    assert zero["bin"] == "exactly 0" and zero["style"] == "dashed"
    assert gradient_color(float("nan"))["bin"] == "nan or inf"
    fills = [gradient_color(v)["fillcolor"] for v in (5.0, 0.5, 0.05, 5e-3, 5e-4, 5e-5, 5e-6, 0.0)]
    assert len(set(fills)) == len(fills)                  # every bin its own colour


def test_dead_unit_path_is_grey_and_live_paths_are_not():
    g = figures.dead_unit_graph()
    nodes, edges = parse(g)
    zero = gradient_color(0.0)["fillcolor"]
    for name in ("w2", "b2", "v2"):
        a = node_by_title(nodes, name)
        assert a["fillcolor"] == zero and "dashed" in a["style"]
        assert number_after(a["label"], "|grad|") == 0
        assert all(e[2]["style"] == "dashed" for e in edges if nodes.get(e[1]) is a)
    for name in ("w1", "b1", "v1", "w3", "b3", "v3", "c"):
        a = node_by_title(nodes, name)
        assert a["fillcolor"] != zero and number_after(a["label"], "|grad|") > 0
    # the relu of unit 2 receives a gradient but passes on none: grey starts after it
    loss = figures.dead_unit_network()
    names = {t.name: t for t in autograd.toposort([loss]) if t.name}
    loss.backward()
    assert not names["w2"].grad.numpy().any() and names["w1"].grad.numpy().any()


def test_dead_network_layers_below_the_dead_layer_get_zero():
    nodes, _ = parse(figures.dead_network_graph(dead_layer=4))
    zero = gradient_color(0.0)["fillcolor"]
    for layer in (1, 2, 3, 4):
        assert node_by_title(nodes, f"dense_{layer}.kernel")["fillcolor"] == zero
    assert node_by_title(nodes, "dense_5.bias")["fillcolor"] != zero


def test_zero_grad_units_are_reported_at_leaves():
    tg.manual_seed(0)
    X = tg.Tensor(np.random.default_rng(0).uniform(-1.5, 1.5, (8, 2)).astype(np.float32))
    W = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True, name="W")
    b = tg.Tensor(np.array([0.0, -50.0, 0.0], np.float32), requires_grad=True, name="b")
    loss = (X @ W + b).relu().sum()
    label = node_by_title(parse(draw_graph(loss, mode="backward"))[0], "W")["label"]
    assert "zero-grad units [1] of 3" in label


# -------------------------------------------------------------- higher order --
def test_second_order_graph_draws_backward_as_forward_ops():
    x = tg.Tensor([0.5, -1.0], requires_grad=True, name="x", dtype="float64")
    y = (x ** 3).sum()
    (dy,) = tg.grad(y, x, create_graph=True)              # 3 x^2, a tensor with its own graph
    dy.name = "dy/dx"
    nodes, _ = parse(draw_graph(dy))
    ops = [lbl.split("\n")[0] for lbl in labels(nodes, "op")]
    assert any(o.startswith("Pow") for o in ops) and any(o.startswith("Mul") for o in ops)
    assert node_by_title(nodes, "x")["tooltip"] == "parameter"
    assert "[0.75, 3.  ]" in node_by_title(nodes, "dy/dx")["label"]
    # and its backward graph gives the second derivative 6x at x
    s = dy.sum()
    bnodes, _ = parse(draw_graph(s, mode="backward"))
    second = number_after(node_by_title(bnodes, "x")["label"], "|grad|")
    assert second == pytest.approx(float(np.linalg.norm(6 * x.numpy())), rel=1e-3)


# -------------------------------------------------------- graph life cycle --
def test_draw_after_backward_shows_every_value_and_gradient():
    """micrograd's workflow: loss.backward(); draw_dot(loss) -- values and gradients on every node."""
    loss, p = mlp_241()
    loss.backward()
    fnodes, _ = parse(draw_graph(loss))                     # forward view: values
    bnodes, _ = parse(draw_graph(loss, mode="backward"))    # backward view: gradients
    for t in (p["W1"], p["b1"], p["W2"], p["b2"]):
        assert node_by_title(fnodes, t.name) is not None
        got = number_after(node_by_title(bnodes, t.name)["label"], "|grad|")
        assert got == pytest.approx(float(np.linalg.norm(t.grad.numpy())), rel=2e-3), t.name
    inner = [n for n in fnodes.values() if n.get("tooltip") in ("intermediate", "output")]
    assert len(inner) >= 15 and all("\ngrad" in n["label"] for n in inner)   # every one
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()                                     # the graph was drawn, not retained


def test_inplace_update_after_forward_is_flagged():
    loss, p = mlp_241()
    loss.backward(retain_graph=True)
    with tg.no_grad():
        p["W1"] -= 0.1 * p["W1"].grad                     # no drawn gradient reads W1
    draw_graph(loss, mode="backward")
    with tg.no_grad():
        p["W2"] -= 0.1 * p["W2"].grad                     # dL/da1 = dZ2 W2^T reads W2
    with pytest.raises(RuntimeError, match="before the optimizer step"):
        draw_graph(loss, mode="backward")
    label = node_by_title(parse(draw_graph(loss))[0], "dense_1.kernel")["label"]
    assert "changed in place after this forward" in label


def test_training_step_graphs_with_a_model_and_optimizer():
    model = dense_model()
    X = tg.Tensor(np.random.default_rng(0).normal(size=(6, 2)).astype(np.float32), name="X")
    y = tg.Tensor(np.array([[0], [1], [0], [1], [1], [0]], np.float32), name="y")
    opt = tg.optim.SGD(model.parameters(), lr=0.5)
    before = model.parameters()[0].numpy().copy()
    fwd, bwd = tg.viz.training_step_graphs(model, X, y, binary_cross_entropy, optimizer=opt)
    assert not np.allclose(before, model.parameters()[0].numpy())   # the step ran, after drawing
    fnodes, _ = parse(fwd)
    tensor_labels = [a["label"] for n, a in fnodes.items() if n.startswith("t")]
    # every tensor that gets a gradient shows it (intermediates too: dZ, dA)
    for n, a in fnodes.items():
        if n.startswith("t"):
            assert ("\ngrad " in a["label"]) == (a["tooltip"] in ("parameter", "intermediate",
                                                                "output")), a
    assert len(tensor_labels) > 10
    assert node_by_title(fnodes, "X")["tooltip"] == "input"
    # an unnamed target is labelled as an input too
    _, bwd2 = tg.viz.training_step_graphs(model, X, y.numpy(), binary_cross_entropy)
    fwd2, _ = tg.viz.training_step_graphs(model, X, tg.Tensor(y.numpy()), binary_cross_entropy)
    assert node_by_title(parse(fwd2)[0], "y")["tooltip"] == "input"
    bnodes, _ = parse(bwd)
    acc = {a["label"].split("\n")[0] for n, a in bnodes.items() if n.startswith("acc")}
    assert acc == {name for name, _ in model.named_parameters()}


def test_model_parameter_names_without_and_with_params():
    model = dense_model()
    X = tg.Tensor(np.ones((3, 2), np.float32))
    out = model(X)
    titles = {a["label"].split("\n")[0] for a in parse(draw_graph(out))[0].values()}
    assert {"dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"} <= titles
    for p in model.parameters():
        p.name = None
    out = model(X)
    titles = {a["label"].split("\n")[0] for a in parse(draw_graph(out, params=model))[0].values()}
    assert {"dense_1.kernel", "dense_2.bias"} <= titles
    k = model.parameters()[0]
    nodes = parse(draw_graph(out, params={"W": k}))[0]
    titles = {a["label"].split("\n")[0] for a in nodes.values()}
    assert "W" in titles
    g = draw_graph(out)                                   # clusters named after the layers
    assert {c["label"] for c in clusters(g) if "dashed" not in c["style"]} == {"dense_1", "dense_2"}
    ops = labels(parse(draw_graph(out, collapse="module"))[0], "op")
    assert [o.split("\n")[0] for o in ops] == ["dense_1", "dense_2"]


# ---------------------------------------------------------- size and depth --
def test_thirty_doublings_visit_each_tensor_once():
    x = tg.Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(30):
        y = y + y
    nodes, edges = parse(draw_graph(y))
    assert len([n for n in nodes if n.startswith("t")]) == 31
    assert len([n for n in nodes if n.startswith("op")]) == 30
    assert len(edges) == 60 and sum(e[2].get("label") == "×2" for e in edges) == 30
    bnodes, bedges = parse(draw_graph(y, mode="backward"))
    x_grad = number_after(node_by_title(bnodes, "x")["label"], "|grad|")
    assert x_grad == pytest.approx(2.0 ** 30, rel=5e-3)


def test_100k_op_chain_does_not_recurse():
    x = tg.Tensor([1.0], requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)                           # any recursion would fail at once
    try:
        g = draw_graph(y, show_data=False, legend=False)
        source = g.source
    finally:
        sys.setrecursionlimit(limit)
    assert source.count("[label=\"Mul(·, 1)\"") == 100_000


# ------------------------------------------------------------------ errors --
def test_argument_errors():
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="mode must be"):
        draw_graph(x * 2, mode="sideways")
    with pytest.raises(TypeError, match="roots must be Tensors"):
        draw_graph(np.ones(2))
    with pytest.raises(TypeError, match="at least one Tensor"):
        draw_graph()
    with pytest.raises(ValueError, match="no root requires grad"):
        draw_graph(tg.Tensor([1.0]) * 2, mode="backward")
    with pytest.raises(ValueError, match="format must be one of"):
        save_graph(x * 2, path="g.svg", format="jpg")
    with pytest.raises(ValueError, match="show_grad"):
        draw_graph(x * 2, show_grad="some")


def test_options_graphviz_would_take_silently_are_refused(tmp_path):
    """A wrong rankdir failed only when dot laid the picture out; a wrong grad_scale fell back
    to 'absolute'; max_values=-1 was taken; an unknown suffix got SVG bytes (g.jpg)."""
    x = tg.Tensor([1.0], requires_grad=True)
    cases = [(dict(rankdir="XX"), ValueError, r"draw_graph: rankdir must be 'TB', 'BT', 'LR' or "
                                              r"'RL', got 'XX'"),
             (dict(grad_scale="log", mode="backward"), ValueError,
              r"draw_graph: grad_scale must be 'relative' or 'absolute', got 'log'"),
             (dict(max_values=-1), ValueError, r"draw_graph: max_values must be an integer >= 0"),
             (dict(params=3), TypeError, r"draw_graph: params must be a dict of name -> Tensor, "
                                         r"a Module or a list of Tensors, got int")]
    for kwargs, kind, pattern in cases:
        with pytest.raises(kind, match=pattern):
            draw_graph(x * 2, **kwargs)
    with pytest.raises(TypeError, match="explore: roots must be Tensors, got str"):
        tg.viz.explore("loss")
    with pytest.raises(ValueError, match="explore: step_values must be an integer >= 0"):
        tg.viz.explore(x * 2, step_values=-3)
    with pytest.raises(ValueError, match=r"save_graph: cannot tell a format from the suffix of "
                                         r"'.*g.jpg'; use one of .svg, .png, .pdf, .dot, .html"):
        save_graph(x * 2, path=tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()
    assert save_graph(x * 2, path=tmp_path / "g.jpg", format="dot").read_text().startswith("digraph")
    assert save_graph(x * 2, path=tmp_path / "g").read_text().lstrip().startswith(("<?xml", "<svg"))
    for rankdir in ("TB", "BT", "LR", "RL"):
        assert f"rankdir={rankdir}" in draw_graph(x * 2, rankdir=rankdir).source


# ---------------------------------------------------------------- figures --
def test_figure_builders():
    fwd, bwd = figures.neuron_graphs()
    titles = {a["label"].split("\n")[0] for a in parse(fwd)[0].values()}
    assert {"x", "w", "b", "z", "y_hat", "y", "loss", "sigmoid", "binary_cross_entropy"} <= titles
    fwd, bwd = figures.network_step_graphs()
    acc = {a["label"].split("\n")[0] for n, a in parse(bwd)[0].items() if n.startswith("acc")}
    assert acc == {f"dense_{i}.{k}" for i in range(1, 6) for k in ("kernel", "bias")}
    ops = [o.split("\n")[0] for o in labels(parse(fwd)[0], "op")]
    assert ops.count("relu") == 4 and ops.count("sigmoid") == 1 and ops.count("MatMul") == 5


# ------------------------------------------------------------- odd graphs --
def test_op_labels_for_indexing_reductions_and_shapes():
    y = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="y")
    z = (y[np.array([0, 1]), 1:].sum(axis=0) + y[:, ::2].T.sum()).max()
    ops = labels(parse(draw_graph(z))[0], "op")
    assert {"GetItem[array(2,), 1:]", "GetItem[:, ::2]", "Sum [axis=0]", "Sum",
            "Transpose [axes=(1, 0)]", "Max", "Add"} == set(ops)


def test_leaf_roots_inplace_ops_and_non_scalar_seeds():
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    nodes, edges = parse(draw_graph(w, mode="backward"))
    assert set(nodes) == {"acc0", "seed0"} and [(t, h) for t, h, _ in edges] == [("seed0", "acc0")]
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    h = a * 2
    h += 1                                               # recorded in place
    nodes, edges = parse(draw_graph(h, mode="backward"))
    assert node_by_title(nodes, "output")["label"] == "output\ndoutput/doutput = ones(2,)"
    assert sorted(lbl.split("\n")[0] for lbl in labels(nodes, "bw")) == ["Add backward",
                                                                        "Mul backward"]
    assert number_after(node_by_title(nodes, "a")["label"], "|grad|") == pytest.approx(
        np.linalg.norm([2.0, 2.0]), rel=1e-3)


def test_non_finite_gradients_get_their_own_colour():
    x = tg.Tensor([0.0, 1.0], requires_grad=True, name="x")
    y = x.sqrt().sum()                                    # d sqrt(x)/dx = inf at 0
    nodes, edges = parse(draw_graph(y, mode="backward"))
    assert node_by_title(nodes, "x")["fillcolor"] == gradient_color(float("inf"))["fillcolor"]
    assert "|grad| inf" in node_by_title(nodes, "x")["label"]
