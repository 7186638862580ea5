"""The main job behind ``tinygrad-edu demo``, and the command line of ``examples/``.

:func:`run_demo` redoes the article from start to end: it trains the
article's network on the circles (the steps of
:func:`~tinygrad_edu.recipe.train_article_model`, with the figures drawn in
between) and writes every figure to one folder, logging each file.  The
steps, in the order they run:

1. the data and the untrained network (figures 1 and 2);
2. training, with figures 3 and 7 drawn after every epoch and the
   diagnostics recorded (``diagnostics.png``), then the test score;
3. the graphs of one neuron and of one layer (figures 4 and 5);
4. the activations' derivatives and the sine fit (figures 6 and 8);
5. the graphs of one training step of the network, and of a dead ReLU (figure 9);
6. the same recipe on a seed where it dies (:data:`~tinygrad_edu.recipe.DYING_SEED`):
   ``fit``'s warning, and its diagnostics (``diagnostics_dying_seed.png``).
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

from ..recipe import DEMO_SEED, DYING_SEED, RECIPE, build_model, load_circles
from ..training import DeadUnitWarning, Diagnostics
from .callbacks import DecisionRegions, TrainingCurves
from .checks import check_activation_derivatives
from .graphs import (draw_or_write_dot, plot_dead_relu_graph, plot_layer_graph,
                     plot_network_graphs, plot_neuron_graph)
from .plots import plot_activations, plot_architecture, plot_dataset, plot_loss_surface

__all__ = ["run_demo", "example_parser"]


class _Output:
    """The demo's output folder: where each file goes, and which files were written (logged)."""

    def __init__(self, folder, log):
        self.folder, self.log, self.files = folder, log, {}

    def path(self, name):
        return os.path.join(self.folder, name)

    def wrote(self, key, path):
        self.files[key] = path
        self.log(f"  wrote {path}")


def run_demo(out="out", seed=DEMO_SEED, fast=False, verbose=1, log=print):
    """The main job: train the article's model and write every figure to ``out``.

    ``fast`` runs 3 epochs on a 25 x 25 grid with coarse surfaces (for tests).
    Returns a dict with ``files`` (figure name -> path), ``test_accuracy``,
    ``test_loss``, ``seconds`` and the trained ``model``.

    Examples
    --------
    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), fast=True, verbose=0, log=lambda line: None)
    >>> sorted(result), len(result["files"])
    (['files', 'model', 'seconds', 'test_accuracy', 'test_loss'], 15)
    """
    t0 = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    output = _Output(out, log)
    model, (X_train, y_train), (test_loss, test_acc) = _train(output, seed, fast, verbose)
    _small_graphs(output)
    _math_figures(output, seed, fast)
    _network_graphs(output, model, X_train[:4], y_train[:4])
    _dying_seed(output, 3 if fast else RECIPE["epochs"])
    seconds = time.perf_counter() - t0
    log(f"done in {seconds:.1f} s; {len(output.files)} files in {out}/")
    return dict(files=output.files, test_accuracy=float(test_acc), test_loss=float(test_loss),
                seconds=seconds, model=model)


def _train(output, seed, fast, verbose):
    """Figures 1 and 2, then training with figures 3 and 7 as callbacks, then the test score.

    The same steps as ``train_article_model`` (same seed, same model).
    Returns ``(model, (X_train, y_train), (test_loss, test_accuracy))``.
    """
    epochs, grid = (3, 25) if fast else (RECIPE["epochs"], 100)
    X_train, X_test, y_train, y_test = load_circles(seed)
    output.log(f"data: {len(X_train)} training and {len(X_test)} test points (make_circles, "
               f"seed {seed})")
    output.wrote("fig1_dataset", plot_dataset(X_train, y_train, output.path("fig1_dataset.png")))
    model = build_model()
    output.wrote("fig2_architecture",
                 plot_architecture(model, output.path("fig2_architecture.png")))
    regions = DecisionRegions(X_train, y_train, output.path("fig3_decision_regions.gif"),
                              grid=grid, png_path=output.path("fig3_decision_regions.png"),
                              title="tinygrad_edu")
    curves = TrainingCurves(output.path("fig7_training.png"), output.path("fig7_training.gif"),
                            epochs=epochs)
    diagnostics = Diagnostics()
    output.log(f"training 2-4-6-6-4-1 for {epochs} epochs (Adam, batch {RECIPE['batch_size']})")
    model.fit(X_train, y_train, epochs=epochs, batch_size=RECIPE["batch_size"],
              verbose=verbose, callbacks=[regions, curves, diagnostics])
    test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
    output.log(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f}")
    output.wrote("fig3_decision_regions", regions.path)
    output.wrote("fig3_decision_regions_last", regions.png_path)
    output.wrote("fig7_training", curves.png_path)
    output.wrote("fig7_training_gif", curves.gif_path)
    output.wrote("diagnostics", diagnostics.plot(
        output.path("diagnostics.png"), title=f"The article's training (seed {seed}): it learns"))
    return model, (X_train, y_train), (test_loss, test_acc)


def _small_graphs(output):
    """Figures 4 and 5: the graphs of one neuron and of one layer."""
    for key, draw in (("fig4_neuron_graph", plot_neuron_graph),
                      ("fig5_layer_graph", plot_layer_graph)):
        output.wrote(key, draw_or_write_dot(draw, output.log, output.path(key + ".svg")))


def _math_figures(output, seed, fast):
    """Figure 6 after checking the activations' derivatives, and figure 8 (the sine fit)."""
    worst = check_activation_derivatives()
    output.log(f"activations: autodiff derivatives match the closed forms (max |error| "
               f"{worst:.1e})")
    output.wrote("fig6_activations", plot_activations(output.path("fig6_activations.png")))
    path, info = plot_loss_surface(output.path("fig8_loss_surface.png"), seed=seed,
                                   grid=41 if fast else 121)
    output.log(f"gradient descent on sin(b cos(a x)): (a, b) = ({info['a']:.3f}, "
               f"{info['b']:.3f}), MSE {info['start_loss']:.3f} -> {info['loss']:.4f}")
    output.wrote("fig8_loss_surface", path)


def _network_graphs(output, model, X, y):
    """Figure 9 (one training step of the trained network on ``X, y``) and the dead-ReLU graph."""
    fwd, bwd = draw_or_write_dot(lambda f, b: plot_network_graphs(model, X, y, f, b), output.log,
                                 output.path("fig9_forward_graph.svg"),
                                 output.path("fig9_backward_graph.svg"))
    output.wrote("fig9_forward_graph", fwd)
    output.wrote("fig9_backward_graph", bwd)
    output.wrote("dead_relu_backward_graph",
                 draw_or_write_dot(plot_dead_relu_graph, output.log,
                                   output.path("dead_relu_backward.svg")))


def _dying_seed(output, epochs):
    """The recipe on a seed where it dies: fit's DeadUnitWarning, logged, and the diagnostics."""
    diagnostics = Diagnostics()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeadUnitWarning)
        X_train, _, y_train, _ = load_circles(DYING_SEED)
        history = build_model().fit(X_train, y_train, epochs=epochs,
                                    batch_size=RECIPE["batch_size"], verbose=0,
                                    callbacks=[diagnostics])
    for w in caught:
        if issubclass(w.category, DeadUnitWarning):
            first = str(w.message).removeprefix("fit: ").split(". ")[0]
            output.log(f"seed {DYING_SEED}, the same recipe: DeadUnitWarning: {first}.")
        else:                                           # not ours to swallow
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    output.log(f"seed {DYING_SEED}: loss {history.history['loss'][-1]:.4f} after {epochs} epochs")
    output.wrote("diagnostics_dying_seed", diagnostics.plot(
        output.path("diagnostics_dying_seed.png"),
        title=f"The same recipe on seed {DYING_SEED}: dense_4 dies"))


def example_parser(doc, fast=True):
    """The command line every script in ``examples/`` shares: ``--out``, ``--seed``, ``--fast``.

    Examples
    --------
    >>> args = example_parser("A figure.").parse_args(["--out", "figs", "--fast"])
    >>> args.out, args.seed, args.fast
    ('figs', 3, True)
    """
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", metavar="DIR",
                        help="output directory (default: out)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, metavar="N",
                        help=f"random seed (default: {DEMO_SEED}, the demo's seed)")
    if fast:
        parser.add_argument("--fast", action="store_true",
                            help="a quick run: few epochs, coarse grids (used by the tests)")
    return parser
