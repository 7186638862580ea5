"""B1-B6: the benchmark definitions.

Each function returns a :class:`~benchmarks._util.Result` (B4 returns one per
measured quantity).  ``quick=True`` shrinks sizes and repetitions so that the
whole suite is a few-second smoke test of correctness (``--quick``).
"""
from __future__ import annotations

import time

import numpy as np

from . import handwritten as hw
from . import floor, ours, torch_impl
from ._util import (TORCH_TOL, Result, circles, glorot_params, max_rel_diff, peak_memory,
                    time_interleaved)

ARTICLE = (2, 4, 6, 6, 4, 1)
MLP_BATCH = {"B1": 32, "B2": 1000}   # the batch of each benchmark that trains the article's net
CHECK_STEPS = 5      # training steps after which both implementations must agree
PARAM_TOL = 1e-4     # max |ours - numpy| / (1 + |numpy|) after CHECK_STEPS Adam steps

def _mlp_models(sizes, seed=0):
    params = glorot_params(sizes, seed)
    model = ours.MLP(params)
    ref = hw.MLP(params)
    return model, ours.make_adam(model.params), ref, hw.Adam(ref.params)


def _floor_model(sizes, X, Y):
    """The floor engine's MLP from the same initial weights, and the batch as its nodes."""
    return floor.MLP(glorot_params(sizes), ours.make_adam), floor.Node(X), floor.Node(Y)


def _check_mlp(sizes, X, Y, torch):
    """Train fresh copies a few steps from the same init; do they agree?"""
    from tinygrad_edu import Tensor
    model, opt, ref, ref_opt = _mlp_models(sizes)
    init = [p.copy() for p in ref.params]
    Xt, Yt = Tensor(X), Tensor(Y)
    for _ in range(CHECK_STEPS):
        ours.train_step(model, opt, Xt, Yt)
        hw.train_step(ref, ref_opt, X, Y)
    diff = max_rel_diff(model.numpy_params(), ref.params)
    moved = max_rel_diff(ref.params, init)
    dtypes = sorted({str(p.dtype) for p in model.params} |
                    {str(p.grad.dtype) for p in model.params})
    fm, fX, fY = _floor_model(sizes, X, Y)
    for _ in range(CHECK_STEPS):
        fm.step(fX, fY)
    fdiff = max_rel_diff(fm.numpy_params(), ref.params)
    jm = ours.MLP(glorot_params(sizes))
    jstep = ours.jit_train_step(jm, ours.make_adam(jm.params))
    for _ in range(CHECK_STEPS):
        jstep(Xt, Yt)
    jit_same = all(np.array_equal(a, b) for a, b in zip(jm.numpy_params(), model.numpy_params()))
    ok = (diff <= PARAM_TOL and fdiff <= PARAM_TOL and moved > 10 * diff and jit_same
          and dtypes == ["float32"])
    text = (f"params after {CHECK_STEPS} steps: max rel diff {diff:.1e} (moved {moved:.1e}; "
            f"floor {fdiff:.1e}; jit {'bit-identical' if jit_same else 'DIFFERENT'}); "
            f"{'/'.join(dtypes)}")
    if torch is not None:
        tm = torch_impl.MLP(torch, glorot_params(sizes))
        tX, tY = torch.tensor(X), torch.tensor(Y)
        for _ in range(CHECK_STEPS):
            tm.step(tX, tY)
        tdiff = max_rel_diff(tm.numpy_params(), ref.params)
        text += f"; torch diff {tdiff:.1e}"
        ok = ok and tdiff <= TORCH_TOL
    return ok, text, {"param_max_rel_diff": diff, "param_moved": moved, "dtypes": dtypes,
                      "floor_param_max_rel_diff": fdiff, "jit_bit_identical": jit_same}


def bench_mlp(name, title, sizes, batch, calls, rounds, target, torch, memory=False):
    """A training step (forward + backward + Adam) of an MLP on a fixed batch."""
    from tinygrad_edu import Tensor
    X, Y = circles(batch, seed=1)
    ok, check, extra = _check_mlp(sizes, X, Y, torch)

    model, opt, ref, ref_opt = _mlp_models(sizes)
    Xt, Yt = Tensor(X), Tensor(Y)
    fns = {"ours": lambda: ours.train_step(model, opt, Xt, Yt),
           "numpy": lambda: hw.train_step(ref, ref_opt, X, Y)}
    fm, fX, fY = _floor_model(sizes, X, Y)
    fns["floor"] = lambda: fm.step(fX, fY)
    jm = ours.MLP(glorot_params(sizes))
    jstep = ours.jit_train_step(jm, ours.make_adam(jm.params))
    fns["jit"] = lambda: jstep(Xt, Yt)
    if torch is not None:
        tm = torch_impl.MLP(torch, glorot_params(sizes))
        tX, tY = torch.tensor(X), torch.tensor(Y)
        fns["torch"] = lambda: tm.step(tX, tY)
    times, wall = time_interleaved(fns, calls, rounds=rounds, warmup=min(20, max(1, calls // 20)))
    extra.update(calls=calls, batch=batch, sizes=list(sizes), optimizer=ours.optimizer_name(opt),
                 wall=wall, wall_ratio=wall["ours"] / wall["numpy"])
    if memory:
        extra["peak_bytes_ours"] = peak_memory(fns["ours"])
        extra["peak_bytes_numpy"] = peak_memory(fns["numpy"])
        extra["peak_ratio"] = extra["peak_bytes_ours"] / extra["peak_bytes_numpy"]
    return Result(name, title, "step", times["ours"], times["numpy"], target, check, ok,
                  torch=times.get("torch"), floor=times["floor"], jit=times["jit"], extra=extra)


def _chain_consts(n_ops, seed=0):
    """Multipliers near 1 and small offsets.

    Chosen so that the values stay small (tanh' stays near 1) and the gradient
    stays a normal float32 even after 100,000 ops (about 3e-8 there), so the
    checks compare real numbers, not underflowed zeros or denormals.
    """
    rng = np.random.default_rng(seed)
    return [float(c) for c in np.where(np.arange(n_ops) % 2 == 0,
                                       rng.uniform(0.97, 1.03, n_ops),
                                       rng.uniform(-0.001, 0.001, n_ops))]


def bench_chain(n_ops, calls, long_ops, mem_ops, target, torch):
    """B4: a deep graph of elementwise ops on a (16,) tensor, forward + backward."""
    x0 = np.random.default_rng(2).uniform(-0.5, 0.5, 16).astype(np.float32)
    consts = _chain_consts(max(n_ops, long_ops, *mem_ops))

    # correctness: same forward values and same gradient as the hand-written chain
    checks, worst = [], 0.0
    for n in (100, n_ops):
        y, g = ours.chain_forward_backward(x0, consts, n)
        ry, rg = hw.chain_forward_backward(x0, consts, n)
        d = max(max_rel_diff([y, g], [ry, rg]),
                max_rel_diff(floor.chain_forward_backward(x0, consts, n), [ry, rg]))
        worst = max(worst, d)
        checks.append(f"{n} ops: max rel diff {d:.1e}, |grad| {np.abs(rg).max():.1e}")
    ok = worst <= 1e-5 and y.dtype == g.dtype == np.float32
    jit_run = ours.jit_chain_forward_backward(consts, n_ops)
    jit_same = all(all(np.array_equal(a, b) for a, b in zip(jit_run(x0), (y, g)))
                   for _ in range(3))                      # traced, traced, replayed
    ok = ok and jit_same and jit_run.jitted.replays == 1
    checks.append(f"jit {'bit-identical' if jit_same else 'DIFFERENT'}")

    fns = {"ours": lambda: ours.chain_forward_backward(x0, consts, n_ops),
           "numpy": lambda: hw.chain_forward_backward(x0, consts, n_ops),
           "floor": lambda: floor.chain_forward_backward(x0, consts, n_ops),
           "jit": lambda: jit_run(x0)}
    if torch is not None:
        fns["torch"] = lambda: torch_impl.chain_forward_backward(torch, x0, consts, n_ops)
    times, wall = time_interleaved(fns, calls, rounds=calls, warmup=1)
    per_op = {k: v / n_ops for k, v in times.items()}

    # a very long chain must complete (no recursion limit) and still be right
    t0 = time.perf_counter()
    y, g = ours.chain_forward_backward(x0, consts, long_ops)
    long_time = time.perf_counter() - t0
    ry, rg = hw.chain_forward_backward(x0, consts, long_ops)
    long_diff = max_rel_diff([y, g], [ry, rg])
    ok = ok and long_diff <= 1e-5
    checks.append(f"{long_ops} ops completed in {long_time:.2f} s, max rel diff {long_diff:.1e}")

    # memory must grow linearly with the chain length
    mem = {n: peak_memory(lambda n=n: ours.chain_forward_backward(x0, consts, n)) for n in mem_ops}
    mem_np = {n: peak_memory(lambda n=n: hw.chain_forward_backward(x0, consts, n)) for n in mem_ops}
    per_op_bytes = {n: mem[n] / n for n in mem_ops}
    spread = max(per_op_bytes.values()) / min(per_op_bytes.values())
    extra = {"n_ops": n_ops, "calls": calls, "per_call_ours": times["ours"],
             "per_call_numpy": times["numpy"], "wall": wall,
             "wall_ratio": wall["ours"] / wall["numpy"], "long_chain_ops": long_ops,
             "long_chain_seconds": long_time,
             "peak_bytes_ours": mem, "peak_bytes_numpy": mem_np,
             "peak_bytes_per_op_ours": per_op_bytes,
             "peak_bytes_per_op_numpy": {n: mem_np[n] / n for n in mem_ops},
             "memory_linear_spread": spread, "jit_bit_identical": jit_same}
    checks.append(f"memory/op {', '.join(f'{n}: {b:.0f} B' for n, b in per_op_bytes.items())}")
    return Result("B4", f"{n_ops}-op elementwise chain, fwd+bwd per op", "op", per_op["ours"],
                  per_op["numpy"], target, "; ".join(checks), ok, torch=per_op.get("torch"),
                  floor=per_op["floor"], jit=per_op["jit"], extra=extra)


def bench_fit(epochs, target, repeats=1, torch=None):
    """B5: the article's fit through ``Sequential.fit`` vs the hand-written loop."""
    try:
        from tinygrad_edu.nn import Sequential  # noqa: F401
    except ImportError:
        return None  # the nn package is not there yet
    from . import article_fit
    return article_fit.run(epochs, target, repeats, torch)


def _digits_batch(n=32, seed=4):
    """A batch shaped like the digits (n, 8, 8, 1) in [0, 1], with labels 0-9.

    Synthetic, so that the benchmarks need no optional package: a step costs the
    same whatever the pixel values are.
    """
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 8, 8, 1)).astype(np.float32), rng.integers(0, 10, n)


def _cnn_models(torch):
    """Fresh copies of the digits CNN from the same initial weights: {name: step(X, labels)}."""
    from tinygrad_edu import Tensor, manual_seed
    manual_seed(0)
    params = ours.digits_cnn().get_weights()
    model = ours.digits_cnn(params)
    opt = ours.make_adam(model.parameters())
    ref = hw.CNN(params)
    ref_opt = hw.Adam(ref.params)
    jm = ours.digits_cnn(params)
    jstep = ours.cnn_jit_train_step(jm, ours.make_adam(jm.parameters()))
    steps = {"ours": (lambda X, y: ours.cnn_train_step(model, opt, X, y), model.get_weights),
             "numpy": (lambda X, y: hw.train_step(ref, ref_opt, X, y), lambda: ref.params),
             "jit": (lambda X, y: jstep(X, Tensor(y)), jm.get_weights)}
    if torch is not None:
        tm = torch_impl.CNN(torch, params)
        steps["torch"] = (tm.step, tm.numpy_params)
    return steps


def _cnn_inputs(torch, X, y):
    from tinygrad_edu import Tensor
    inputs = {"ours": (Tensor(X), y), "numpy": (X, y), "jit": (Tensor(X), y)}
    if torch is not None:                       # PyTorch's images are NCHW
        inputs["torch"] = (torch.tensor(X.transpose(0, 3, 1, 2).copy()), torch.tensor(y))
    return inputs


def bench_cnn(calls, rounds, target, torch):
    """B6: one training step of the digits CNN (examples/digits_cnn.py), batch 32."""
    X, y = _digits_batch()
    inputs = _cnn_inputs(torch, X, y)
    steps = _cnn_models(torch)
    init = [p.copy() for p in steps["numpy"][1]()]
    for _ in range(CHECK_STEPS):
        for name, (step, _) in steps.items():
            step(*inputs[name])
    params = {name: weights() for name, (_, weights) in steps.items()}
    diff = max_rel_diff(params["ours"], params["numpy"])
    moved = max_rel_diff(params["numpy"], init)
    jit_same = all(np.array_equal(a, b) for a, b in zip(params["jit"], params["ours"]))
    ok = diff <= PARAM_TOL and moved > 10 * diff and jit_same
    check = (f"params after {CHECK_STEPS} steps: max rel diff {diff:.1e} (moved {moved:.1e}; "
             f"jit {'bit-identical' if jit_same else 'DIFFERENT'})")
    extra = {"param_max_rel_diff": diff, "param_moved": moved, "jit_bit_identical": jit_same}
    if torch is not None:
        extra["torch_param_max_rel_diff"] = max_rel_diff(params["torch"], params["numpy"])
        check += f"; torch diff {extra['torch_param_max_rel_diff']:.1e}"
        ok = ok and extra["torch_param_max_rel_diff"] <= TORCH_TOL
    fns = {name: (lambda step=step, args=inputs[name]: step(*args))
           for name, (step, _) in steps.items()}
    times, wall = time_interleaved(fns, calls, rounds=rounds, warmup=min(20, max(1, calls // 20)))
    extra.update(calls=calls, batch=len(X), wall=wall, wall_ratio=wall["ours"] / wall["numpy"])
    return Result("B6", "digits CNN step (2 conv, 2 pool, 2 dense), batch 32", "step",
                  times["ours"], times["numpy"], target, check, ok, torch=times.get("torch"),
                  jit=times["jit"], extra=extra)


def run_all(quick=False, only=None, log=print):
    """Run the selected benchmarks; return the list of Results."""
    torch = torch_impl.load()
    if torch is None:
        log("PyTorch is not installed: its column stays empty (pip install -e .[torch]).")
    if quick:
        plan = {
            "B1": lambda: bench_mlp("B1", "seed step 2-4-6-6-4-1, batch 32", ARTICLE,
                                    MLP_BATCH["B1"], 40, 2, 1.5, torch),
            "B2": lambda: bench_mlp("B2", "full batch 1000", ARTICLE, MLP_BATCH["B2"], 20, 2, 1.3,
                                    torch),
            "B3": lambda: bench_mlp("B3", "wide 2-64-64-64-1, batch 256 (quick size)",
                                    (2, 64, 64, 64, 1), 256, 6, 2, 1.1, torch, memory=True),
            "B4": lambda: bench_chain(1000, 2, 10_000, (500, 1000), 3.0, torch),
            "B5": lambda: bench_fit(2, None, torch=torch),
            "B6": lambda: bench_cnn(12, 2, 1.5, torch),
        }
    else:
        plan = {
            "B1": lambda: bench_mlp("B1", "seed step 2-4-6-6-4-1, batch 32", ARTICLE,
                                    MLP_BATCH["B1"], 2000, 10, 1.5, torch),
            "B2": lambda: bench_mlp("B2", "full batch 1000", ARTICLE, MLP_BATCH["B2"], 1000, 10,
                                    1.3, torch),
            "B3": lambda: bench_mlp("B3", "wide 2-1024-1024-1024-1, batch 4096",
                                    (2, 1024, 1024, 1024, 1), 4096, 8, 4, 1.05, torch, memory=True),
            "B4": lambda: bench_chain(10_000, 7, 100_000, (5_000, 10_000, 20_000), 3.0, torch),
            "B5": lambda: bench_fit(50, 1.5, repeats=3, torch=torch),
            "B6": lambda: bench_cnn(600, 10, 1.5, torch),
        }
    results = []
    for name, run in plan.items():
        if only and name not in only:
            continue
        log(f"running {name} ...")
        out = run()
        if out is None:
            log(f"  {name} skipped")
            continue
        results.append(out)
    return results
