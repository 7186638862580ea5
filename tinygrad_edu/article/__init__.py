"""The article, reproduced: its recipe, its math checks and its figures.

"Deep Dive into Math Behind Deep Networks" trains a 2-4-6-6-4-1 network on two
noisy circles in five lines of Keras, then explains the math those lines hide.
This package holds everything needed to redo that with tinygrad_edu, one
module per concern (each imports only the ones above it; the matplotlib and
GIF kit they share is :mod:`tinygrad_edu.drawing`):

- the recipe (:data:`RECIPE`, :func:`load_circles`, :func:`build_model`),
  from :mod:`tinygrad_edu.recipe`;
- ``article.checks``: the checks the article does by hand, done by our
  autodiff instead (:func:`activation_derivatives`,
  :func:`check_activation_derivatives`, :func:`output_layer_dz`,
  :func:`descend_sine_fit`);
- ``article.plots``: :func:`plot_dataset` (figure 1),
  :func:`plot_architecture` (2), :func:`plot_decision_regions` (one frame
  of 3), :func:`plot_activations` (6), :func:`plot_loss_surface` (8);
- ``article.callbacks``: the figures drawn during training,
  :class:`DecisionRegions` (3, a GIF drawn after every epoch) and
  :class:`TrainingCurves` (7, PNG + GIF);
- ``article.graphs``: the computation graphs, :func:`plot_neuron_graph` (4),
  :func:`plot_layer_graph` (5), :func:`plot_network_graphs` (9);
- ``article.demo``: :func:`run_demo`, the main job behind ``tinygrad-edu
  demo``, and :func:`example_parser`, the command line of ``examples/``.

Every name is importable from here (``from tinygrad_edu.article import
build_model``).  matplotlib is imported lazily and only through its Agg canvas
(no pyplot, no global backend switch), so importing this package costs
nothing and works on a machine without a display.  Every figure function
takes ``path`` and returns the path it wrote.

Examples
--------
>>> from tinygrad_edu import article
>>> article.build_model().count_params(), article.check_activation_derivatives() < 1e-10
(117, True)
"""
from ..recipe import (ARCHITECTURE, DEMO_SEED, RECIPE, build_model, load_circles,
                      train_article_model)
from .callbacks import DecisionRegions, TrainingCurves
from .checks import (SINE, activation_derivatives, check_activation_derivatives, descend_sine_fit,
                     output_layer_dz, sine_data, sine_loss_surface)
from .demo import example_parser, run_demo
from .graphs import plot_dead_relu_graph, plot_layer_graph, plot_network_graphs, plot_neuron_graph
from .plots import (decision_grid, plot_activations, plot_architecture, plot_dataset,
                    plot_decision_regions, plot_loss_surface)

__all__ = [
    "RECIPE", "ARCHITECTURE", "DEMO_SEED", "load_circles", "build_model",
    "activation_derivatives", "check_activation_derivatives", "output_layer_dz",
    "sine_data", "descend_sine_fit", "sine_loss_surface",
    "plot_dataset", "plot_architecture", "plot_activations", "plot_loss_surface",
    "plot_neuron_graph", "plot_layer_graph", "plot_network_graphs", "plot_decision_regions",
    "DecisionRegions", "TrainingCurves", "decision_grid", "example_parser",
    "train_article_model", "run_demo",
]
