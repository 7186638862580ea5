"""The benchmarks' correctness side (no timing is asserted: timings are not tests).

``python -m benchmarks --quick`` must run, agree with the hand-written NumPy
reference and write its JSON; the reference itself is checked against finite
differences; and a training step must stay float32 from end to end.
"""
import json
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, autograd
from benchmarks import __main__ as bench_main
from benchmarks import article_fit
from benchmarks import best
from benchmarks import floor
from benchmarks import handwritten as hw
from benchmarks import ours
from benchmarks import shapes
from benchmarks._util import circles, glorot_params, max_rel_diff, table
from benchmarks.suite import ARTICLE, _chain_consts


def test_quick_mode_runs_checks_and_saves_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench_main.main(["--quick", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    results = {r["name"]: r for r in data["results"]}
    assert {"B1", "B2", "B3", "B4", "B5", "B6"} <= set(results)
    assert results["B5"]["extra"]["test_accuracy"] == results["B5"]["extra"]["test_accuracy_numpy"]
    for r in results.values():
        assert r["check_ok"], r["check"]
        assert r["ours"] > 0 and r["numpy"] > 0 and np.isfinite(r["ratio"])
    assert results["B1"]["extra"]["param_max_rel_diff"] <= 1e-4
    assert results["B1"]["extra"]["floor_param_max_rel_diff"] <= 1e-4
    for name in ("B1", "B2", "B4"):
        assert results[name]["floor"] > 0 and results[name]["floor_ratio"] > 0
    for name in ("B1", "B2", "B3", "B4", "B5", "B6"):
        assert results[name]["extra"]["jit_bit_identical"] and results[name]["jit"] > 0
    assert results["B6"]["extra"]["param_max_rel_diff"] <= 1e-4
    assert results["B3"]["extra"]["peak_bytes_ours"] > 0
    assert results["B4"]["extra"]["memory_linear_spread"] < 1.5
    assert data["environment"]["numpy"] == np.__version__
    assert data["environment"]["python_executable"] == sys.executable   # which interpreter's build
    printed = capsys.readouterr().out
    assert "B1" in printed and "ratio" in printed and str(out) in printed


def test_only_selects_benchmarks(tmp_path):
    out = tmp_path / "b4.json"
    assert bench_main.main(["--quick", "--only", "b4", "--out", str(out)]) == 0
    assert [r["name"] for r in json.loads(out.read_text())["results"]] == ["B4"]


def test_handwritten_backprop_matches_finite_differences():
    """The reference's typed-in formulas are right (float64, central differences)."""
    sizes = (2, 3, 4, 1)
    params = [p.astype(np.float64) for p in glorot_params(sizes, seed=3)]
    params[1] += 0.1                     # non-zero biases exercise db
    X, Y = circles(16, seed=4)
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    model = hw.MLP(params)
    model.params = [p.astype(np.float64) for p in params]  # MLP casts to float32; undo that
    _, grads = model.loss_and_grads(X, Y)
    h = 1e-6
    for p, g in zip(model.params, grads):
        num = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = model.loss_and_grads(X, Y)[0]
            p[i] = old - h
            down = model.loss_and_grads(X, Y)[0]
            p[i] = old
            num[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_ours_and_handwritten_agree_step_by_step():
    params = glorot_params(ARTICLE, seed=5)
    X, Y = circles(32, seed=6)
    model, ref = ours.MLP(params), hw.MLP(params)
    opt, ref_opt = ours.make_adam(model.params), hw.Adam(ref.params)
    for _ in range(3):
        loss = ours.train_step(model, opt, Tensor(X), Tensor(Y))
        ref_loss = hw.train_step(ref, ref_opt, X, Y)
        assert loss.item() == pytest.approx(float(ref_loss), rel=1e-5)
        assert max_rel_diff(model.numpy_params(), ref.params) < 1e-5


def _recorded_ops(root, inputs_of, kind):
    """Count the recorded ops of a graph by kind, walking ``inputs_of`` from ``root``."""
    from collections import Counter
    seen, stack, count = set(), [root], Counter()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        inputs = inputs_of(node)
        if inputs:
            count[kind(node)] += 1
            stack.extend(inputs)
    return count


def test_floor_records_the_same_ops_as_ours():
    """The floor is only a fair lower bound if it runs tinygrad_edu's decomposition, op for op."""
    params = glorot_params(ARTICLE, seed=9)
    X, Y = circles(32, seed=10)
    loss = ours.MLP(params).loss(Tensor(X), Tensor(Y))
    mine = _recorded_ops(loss, lambda t: t._ctx.inputs if t._ctx else None,
                         lambda t: type(t._ctx).__name__)
    floor_loss = floor.MLP(params, ours.make_adam).loss(floor.Node(X), floor.Node(Y))
    theirs = _recorded_ops(floor_loss, lambda n: n.inputs, lambda n: n.rule.__name__[1:].title())
    theirs["MatMul"] = theirs.pop("Matmul")
    assert mine == theirs and sum(mine.values()) == 28


def test_floor_matches_handwritten():
    params = glorot_params(ARTICLE, seed=11)
    X, Y = circles(32, seed=12)
    fm, ref = floor.MLP(params, ours.make_adam), hw.MLP(params)
    ref_opt = hw.Adam(ref.params)
    for _ in range(3):
        loss = fm.step(floor.Node(X), floor.Node(Y))
        ref_loss = hw.train_step(ref, ref_opt, X, Y)
        assert float(loss.data) == pytest.approx(float(ref_loss), rel=1e-5)
    assert max_rel_diff(fm.numpy_params(), ref.params) < 1e-5
    x0 = np.linspace(-0.3, 0.3, 16, dtype=np.float32)
    consts = _chain_consts(300)
    for mine, theirs in zip(floor.chain_forward_backward(x0, consts, 300),
                            hw.chain_forward_backward(x0, consts, 300)):
        np.testing.assert_array_equal(mine, theirs)


def test_chain_matches_handwritten_exactly():
    x0 = np.linspace(-0.3, 0.3, 16, dtype=np.float32)
    consts = _chain_consts(300)
    y, g = ours.chain_forward_backward(x0, consts, 300)
    ry, rg = hw.chain_forward_backward(x0, consts, 300)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(g, rg)
    assert np.abs(g).max() > 1e-3  # the check is not about zeros


@pytest.mark.parametrize("one_node", [True, False])
def test_both_recordings_of_the_chain_match_handwritten_exactly(one_node):
    """benchmarks/shapes.py compares two ways of recording; each must compute the chain."""
    x0 = np.linspace(-0.3, 0.3, 16, dtype=np.float32)
    consts = _chain_consts(300)
    for mine, theirs in zip(shapes.chain_forward_backward(x0, consts, 300, one_node),
                            hw.chain_forward_backward(x0, consts, 300)):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("kind", [shapes.Layered, shapes.LayeredApart])
def test_the_recordings_with_our_layers_match_handwritten_exactly(kind):
    x0 = np.linspace(-0.3, 0.3, 16, dtype=np.float32)
    consts = _chain_consts(300)
    x = shapes._make(x0.copy(), True, None, kind)
    y = ours.chain(x, consts, 300)
    shapes.layered_backward(x, shapes.Sum.apply(y))
    ry, rg = hw.chain_forward_backward(x0, consts, 300)
    np.testing.assert_array_equal(y._data, ry)
    np.testing.assert_array_equal(x.grad._data, rg)
    op = y._ctx                                   # (op 299 is a tanh): its class, or an instance
    assert (op is shapes.Tanh) if kind.one_node else (type(op) is shapes.Tanh)


def test_the_recordings_keep_the_op_where_they_say():
    x = shapes._make(np.ones(3, np.float32), True, None)
    y, loss = shapes.chain(x, [2.0, 0.5], 2, one_node=True)        # (x * 2 + 0.5).sum()
    assert loss._ctx is shapes._sum and loss.inputs == (y,) and y.inputs[0].inputs[0] is x
    y, loss = shapes.chain(x, [2.0, 0.5], 2, one_node=False)
    record = loss._ctx
    assert type(record) is shapes.Record and record.rule is shapes._sum
    assert record.inputs == (y,) and y._ctx.inputs[0]._ctx.inputs[0] is x
    shapes.backward(x, loss, one_node=False)
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="freed"):               # the freed flag is kept
        shapes.backward(x, loss, one_node=False)
    bias = shapes._make(np.zeros(3, np.float32), True, None)      # a broadcast input's gradient
    np.testing.assert_array_equal(shapes._shaped(np.ones((4, 3), np.float32), bias), [4, 4, 4])


def test_the_shapes_table_has_every_column(capsys):
    assert shapes.main(["1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = ["floor", "one node per op", "a node and a record per op",
             "our layers, one node", "our layers, node + record", "tinygrad_edu",
             "hand-written NumPy"]
    assert len(lines) == 1 + len(names)
    for name, line in zip(names, lines[1:]):
        assert name in line and re.search(r"\d\.\d\dx", line)


def test_the_best_blocks_train_the_three_engines_alike(capsys):
    """benchmarks/best.py times steps that move all three engines' weights the same way."""
    steps, weights = best.step_functions(32)
    start = [w.copy() for w in weights["hand-written NumPy"]()]
    times = best.best_blocks(steps, rounds=2, block=3)
    assert set(times) == {"tinygrad_edu", "floor", "hand-written NumPy"}
    assert all(0 < t < 1 for t in times.values())
    ref = weights["hand-written NumPy"]()                              # after 6 steps each
    assert max_rel_diff(ref, start) > 1e-3
    for name in ("tinygrad_edu", "floor"):
        assert max_rel_diff(weights[name](), ref) <= 1e-4, name
    assert best.main(["1", "b2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("B2 step, best of 1 blocks") and sys.executable in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["tinygrad_edu", "floor", "hand-written"]
    assert best.main(["1", "B7"]) == 2


def test_the_best_fits_train_all_four_alike():
    """benchmarks/best.py's B5: Sequential.fit, the Sequential by a plain loop, the same
    weights through bare Tensor ops and the hand-written loop, from the same weights on the
    same minibatches, end at the same parameters (the three of ours bit for bit)."""
    fits = best.best_fits(1, epochs=1)
    assert list(fits) == ["tinygrad_edu", "Sequential, by hand", "Tensor ops, by hand",
                          "hand-written NumPy"]
    seconds = [s for s, _ in fits.values()]
    assert all(0 < s < 60 for s in seconds)
    (_, fit_p), (_, np_p) = fits["tinygrad_edu"], fits["hand-written NumPy"]
    for name in ("Sequential, by hand", "Tensor ops, by hand"):
        _, params = fits[name]
        assert len(params) == len(fit_p) == 10
        assert all(np.array_equal(a, b) for a, b in zip(params, fit_p)), name
    assert max_rel_diff(fit_p, np_p) <= 1e-5
    start = [p.numpy() for p in article_fit._model().parameters()]    # the shared weights
    assert max_rel_diff(fit_p, start) > 1e-4                             # ... trained


def test_training_step_stays_float32():
    """No float64 hides anywhere in a float32 step: every graph node, grad, param and loss."""
    params = glorot_params(ARTICLE, seed=7)
    X, Y = circles(32, seed=8)
    model = ours.MLP(params)
    opt = ours.make_adam(model.params)
    for _ in range(2):
        opt.zero_grad()
        loss = model.loss(Tensor(X), Tensor(Y))
        nodes = autograd.toposort([loss])
        assert len(nodes) > 20
        assert {str(t.dtype) for t in nodes} == {"float32"}
        assert loss.dtype == np.float32
        loss.backward()
        assert {str(p.grad.dtype) for p in model.params} == {"float32"}
        opt.step()
        assert {str(p.dtype) for p in model.params} == {"float32"}
    with tg.no_grad():
        assert model.forward(Tensor(X)).dtype == np.float32


def test_table_lists_every_result():
    from benchmarks._util import Result
    rows = [Result("B1", "t", "step", 2e-4, 1e-4, 1.5, "ok", True),
            Result("B4", "t", "op", 3e-6, 1e-6, 3.0, "ok", True, torch=1e-5, floor=2.5e-6)]
    text = table(rows)
    assert "2.00x" in text and "MISSED" in text and "3.00x" in text and "10.00x" in text
    assert "floor/np" in text and "2.50x" in text


def test_profile_mode_reports_our_functions(capsys):
    assert bench_main.main(["--quick", "--profile", "B4"]) == 0
    report = capsys.readouterr().out
    assert "backpropagate" in report and "chain" in report


def test_phases_mode_splits_a_training_step(capsys):
    assert bench_main.main(["--quick", "--phases", "B1"]) == 0
    report = capsys.readouterr().out
    parts = dict(re.findall(r"(zero_grad|forward|loss|backward|step|total) (\d+) us", report))
    assert set(parts) == {"zero_grad", "forward", "loss", "backward", "step", "total"}
    phases = sum(int(v) for k, v in parts.items() if k != "total")
    assert int(parts["backward"]) > 0 and abs(phases - int(parts["total"])) <= 5   # rounding


class _DtypeSpy(np.ndarray):
    """An ndarray that records the dtype of every ufunc result it takes part in."""
    seen = set()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = [np.asarray(x) if isinstance(x, _DtypeSpy) else x for x in inputs]
        outs = kwargs.get("out")
        if outs:
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, _DtypeSpy) else o for o in outs)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        for r in result if isinstance(result, tuple) else (result,):
            _DtypeSpy.seen.add(str(np.asarray(r).dtype))
        if outs:  # in place (m += ...): hand back the spy itself, so it keeps watching
            return outs[0] if len(outs) == 1 else outs
        return result.view(_DtypeSpy) if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "Adamax"])
def test_optimizer_update_makes_no_float64_temporaries(name):
    """float32 parameters are updated with float32 arithmetic only (no hidden promotion).

    A NumPy float64 scalar (e.g. a bias correction from np.sqrt) times a
    float32 array gives a float64 array: correct after the in-place cast
    back, but twice the memory traffic.  The spy sees every ufunc result of
    the update rule that the fused and the per-parameter paths both run.
    """
    optim = pytest.importorskip("tinygrad_edu.optim")
    w = Tensor(np.linspace(-1, 1, 6, dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    spy = lambda a: np.array(a, dtype=np.float32).view(_DtypeSpy)  # noqa: E731
    state = {k: spy(v) for k, v in opt.state[0].items()}
    opt.iterations += 1
    opt._begin_step()
    _DtypeSpy.seen.clear()
    opt._update(spy(w.numpy()), spy(w.grad.numpy()), state)
    assert _DtypeSpy.seen, "the spy saw no arithmetic"
    assert _DtypeSpy.seen <= {"float32", "bool"}, _DtypeSpy.seen


def test_the_instruction_counter_runs_each_workload():
    """benchmarks.instructions runs these snippets under valgrind; here they run plainly once."""
    import os
    from benchmarks import instructions as ins
    root = os.path.dirname(ins.HERE)
    for name in ins.WORKLOADS:
        bench, impl = name.split()
        exec(ins._RUN.format(repo=root, root=root, bench=bench, impl=impl, n=1, ops=50), {})
