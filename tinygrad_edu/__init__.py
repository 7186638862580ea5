"""tinygrad_edu: the math of deep networks, executable.

A NumPy-based automatic-differentiation micro-framework for learning.  Only
the primitive ops in ``ops.py`` know a derivative; everything else, up to
Dense layers and the losses, gets its backward pass from the chain rule in
``autograd.py``.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
>>> y = (x ** 2).sum()
>>> y.backward()
>>> x.grad
Tensor([2., 4.], shape=(2,), dtype=float32)
"""
from .random import manual_seed, get_rng
from .tensor import Tensor, zeros_like, ones_like
from . import methods  # noqa: F401 - gives Tensor its operators and math methods
from .autograd import (Function, no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                       grad, detect_anomaly, is_anomaly_enabled, GradientAccumulationWarning)
from .derived import cat, stack, where, maximum, minimum
from .conv import conv2d, max_pool2d, avg_pool2d
from .numpy_api import *  # noqa: F401,F403 - NumPy's vocabulary: tg.cumsum, tg.einsum, ...
from .activations import *  # noqa: F401,F403 - tg.gelu, tg.softplus, ...
from . import numpy_api as _numpy_api, activations as _activations
from .jit import jit, JitError
from . import nn, optim, training, datasets, io
from .nn import Sequential, Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten

__version__ = "0.1.0"

__all__ = ["Tensor", "Function", "manual_seed", "get_rng", "zeros_like", "ones_like", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad", "detect_anomaly",
           "is_anomaly_enabled", "GradientAccumulationWarning", "cat", "stack", "where", "maximum", "minimum",
           "conv2d", "max_pool2d", "avg_pool2d", "jit", "JitError", "__version__",
           "nn", "optim", "training", "datasets", "io", "Sequential", "Dense", "Conv2D",
           "MaxPooling2D", "AveragePooling2D", "Flatten",
           "draw_graph", "save_graph"] + _numpy_api.__all__ + _activations.__all__


def __getattr__(name):
    # Graph drawing lives in tinygrad_edu.viz and imports graphviz only when a graph is drawn.
    if name in ("draw_graph", "save_graph", "viz"):
        import importlib
        viz = importlib.import_module(".viz", __name__)
        return viz if name == "viz" else getattr(viz, name)
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")
