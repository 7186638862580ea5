"""Dying ReLUs: why the article's recipe sometimes fails, and a one-line fix.

    python examples/dying_relu.py --out out --seed 0          # seeds 0..19, ~1-2 min on 2 cores

The failure
-----------
A ReLU unit computes a = max(z, 0) with z = w.x + b, and its derivative is
relu'(z) = 0 for z <= 0.  If a unit's z is negative for *every* training
sample, it outputs 0 for all of them, the gradient reaching its weights and
bias is exactly 0 (dZ = dA * relu'(Z) = 0), and no optimizer step can ever
change it again: the unit is dead.  Dead units also block the gradient to
the layers below them.

The article's network is tiny (2-4-6-6-4-1), so a few dead units are a large
share of a layer.  With Keras' defaults -- Glorot-uniform kernels and *zero*
biases -- every hidden unit starts as a line through the origin of its input
space, and in the first steps of Adam some of them are pushed to the wrong
side of all the data.  Two things can then happen:

* all 4 units of ``dense_4`` (or all units of another layer) die: the output
  is the constant sigmoid(b), the loss stays at ln 2 = 0.693 and the
  accuracy at ~0.5 for ever (Keras 3 does this on ~6 of 30 seeds);
* the surviving units only fire for outer-ring points: the inner ring is
  classified by the output bias alone, which Adam moves by about lr per step,
  so the loss creeps down slowly (~0.12 after 50 epochs) even though the
  accuracy is already 1.0.

The fix
-------
Start every bias at a small positive value, ``bias_initializer=init.constant(0.1)``:
each unit then starts active on (slightly more than) half of its input space,
its gradient is non-zero, and training moves it before it can die.  This
script measures the recipe with and without the change on the same seeds
(``tinygrad_edu.manual_seed(s)`` before the model is built) and writes:

* ``OUT/dying_relu.md``: the per-seed table (test accuracy, test loss, dead
  units per hidden layer at the end of training) for both recipes;
* ``OUT/dying_relu.png``: every seed's training-loss curve, baseline vs fix
  (the dead runs are the flat lines at 0.693).

Measured (``scripts/seed_sweep.py``, seeds 0..49, 50 epochs, test accuracy
>= 0.99 counted as success):

======================================  =========  =========  ================
recipe                                  seeds 0-19 seeds 0-49 median test loss
======================================  =========  =========  ================
Keras defaults (Glorot, zero bias)      19/20      49/50      0.013 (0-19)
``bias_initializer=init.constant(0.1)`` 20/20      50/50      0.009 (0-19)
``kernel_initializer='he_uniform'``     16/20      --         0.018
``activation='leaky_relu'`` (hidden)    19/20      --         0.007
======================================  =========  =========  ================

With zero biases, seed 0 is a whole-layer death (``dense_4``: 4 of 4 units
dead, loss 0.693 for 50 epochs); with biases at 0.1 the same seed trains to
test loss 0.007.  He initialisation alone does *not* help here (two seeds
die), and LeakyReLU never goes flat at 0.693 but one seed still ends at 0.91.
The slow "inner ring from the bias" mode remains possible with every recipe
(6 to 8 seeds of 20 end with a test loss of 0.10-0.17, most of them still at
accuracy >= 0.99); their loss keeps falling with more epochs (seed 1 with
zero biases: 0.12 after 50 epochs, 0.055 after 100).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time

import numpy as np

FIX_BIAS = 0.1


def article_data():
    from tinygrad_edu.datasets import make_circles, train_test_split
    X, y = make_circles(n_samples=1000, factor=0.3, noise=0.1, random_state=42)
    return train_test_split(X, y, test_size=0.1, random_state=42)


def dead_units(model, X):
    """Hidden ReLU units that output 0 for every sample of X, per layer."""
    import tinygrad_edu as tg
    counts, a = [], tg.Tensor(np.asarray(X, dtype=np.float32))
    with tg.no_grad():
        for layer in model.layers[:-1]:
            a = layer(a)
            counts.append(int((a.numpy().max(axis=0) <= 0).sum()))
    return counts


def run(job):
    """Train the article's model for one (seed, bias); returns the measurements."""
    seed, bias, epochs = job
    import tinygrad_edu as tg
    from tinygrad_edu.nn import Dense, Sequential, init

    X_train, X_test, y_train, y_test = article_data()
    b = init.constant(bias) if bias else "zeros"
    tg.manual_seed(seed)
    model = Sequential()
    model.add(Dense(4, input_dim=2, activation='relu', bias_initializer=b))
    model.add(Dense(6, activation='relu', bias_initializer=b))
    model.add(Dense(6, activation='relu', bias_initializer=b))
    model.add(Dense(4, activation='relu', bias_initializer=b))
    model.add(Dense(1, activation='sigmoid', bias_initializer=b))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    hist = model.fit(X_train, y_train, epochs=epochs, verbose=0)
    test_loss, test_acc = model.evaluate(X_test, y_test)
    return {"seed": seed, "bias": bias, "test_acc": float(test_acc), "test_loss": float(test_loss),
            "dead": dead_units(model, X_train), "loss_curve": hist.history["loss"]}


def table(rows):
    out = ["| seed | test acc | test loss | dead units (dense_1..4) |", "|---:|---:|---:|---|"]
    out += [f"| {r['seed']} | {r['test_acc']:.2f} | {r['test_loss']:.4f} | {r['dead']} |"
            for r in rows]
    return "\n".join(out)


def plot(base, fix, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, rows, title in ((axes[0], base, "Keras defaults (zero biases)"),
                            (axes[1], fix, f"biases start at {FIX_BIAS}")):
        for r in rows:
            ok = r["test_acc"] >= 0.99
            ax.plot(r["loss_curve"], color="tab:blue" if ok else "tab:red", alpha=0.7, lw=1)
        n_ok = sum(r["test_acc"] >= 0.99 for r in rows)
        ax.set_title(f"{title}: {n_ok}/{len(rows)} seeds reach 0.99")
        ax.axhline(np.log(2), color="gray", ls=":", lw=1)
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("training loss (red: test accuracy < 0.99)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="out", metavar="DIR", help="output directory (default: out)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="first seed; seeds N .. N+SEEDS-1 are run (default 0)")
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--epochs", type=int, default=50, help="epochs per run (default 50)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--fast", action="store_true",
                   help="a quick smoke run: 2 seeds, 3 epochs (used by the tests)")
    args = p.parse_args(argv)
    if args.fast:
        args.seeds, args.epochs = 2, 3
        args.workers = args.workers or 1        # worker start-up would dominate
    seeds = list(range(args.seed, args.seed + args.seeds))
    jobs = [(s, bias, args.epochs) for bias in (0.0, FIX_BIAS) for s in seeds]
    t0 = time.perf_counter()
    workers = args.workers or min(len(jobs), os.cpu_count() or 1)
    if workers > 1:
        with mp.get_context("spawn").Pool(workers) as pool:
            results = pool.map(run, jobs)
    else:
        results = [run(j) for j in jobs]
    base, fix = results[:len(seeds)], results[len(seeds):]

    lines = []
    for name, rows in (("Keras defaults (glorot_uniform, zero biases)", base),
                       (f"fix: bias_initializer=init.constant({FIX_BIAS})", fix)):
        ok = [r for r in rows if r["test_acc"] >= 0.99]
        med = float(np.median([r["test_loss"] for r in ok])) if ok else float("nan")
        whole = sum(any(d == n for d, n in zip(r["dead"], (4, 6, 6, 4))) for r in rows)
        lines += [f"## {name}", "", table(rows), "",
                  f"{len(ok)}/{len(rows)} seeds reach test accuracy >= 0.99 (median test loss of "
                  f"those {med:.4f}); {whole} run(s) end with a whole layer dead.", ""]
    report = "\n".join(lines)
    print(report)
    os.makedirs(args.out, exist_ok=True)
    md = os.path.join(args.out, "dying_relu.md")
    with open(md, "w") as f:
        f.write(f"# Dying ReLU: seeds {seeds[0]}..{seeds[-1]}, {args.epochs} epochs\n\n{report}")
    with open(os.path.join(args.out, "dying_relu.json"), "w") as f:
        json.dump({"baseline": base, "fix": fix}, f)
    png = os.path.join(args.out, "dying_relu.png")
    plot(base, fix, png)
    print(f"wrote {md} and {png} ({time.perf_counter() - t0:.0f} s)")
    return {"baseline": base, "fix": fix, "files": [md, png]}


if __name__ == "__main__":
    main()
    sys.exit(0)
