"""Automatic differentiation, in one place: the public names, and where each lives.

Reverse mode is spread over small modules, one concern each, imported in
this order (each one only imports those above it):

=================  ==========================================================
``errors.py``      messages that name the op, the shapes and the fix
``recording.py``   grad mode (``no_grad``), scopes, the clock, watchers
``inplace.py``     in-place changes: snapshots, version checks, the write log
``anomaly.py``     ``detect_anomaly``: the first NaN or inf, forward or backward
``engine.py``      **reverse mode**: ``toposort``, the backward loop, ``grad``
``tensor.py``      the ``Tensor``: data, gradient, graph node
``function.py``    ``Function``: one recorded op; ``apply`` records it
``kernels.py``     speed tricks, each equal to a plain NumPy expression
``ops.py``         the primitives: a NumPy forward and a derivative rule each
``nograd.py``      argmax, isnan, ... of the data; step functions with gradient 0
``derived.py``     everything else, composed of primitives (no rules)
``conv.py``        convolution, pooling, padding: composed too (no rules)
``methods.py``     Tensor's operators and methods, from ops and derived
``jit.py``         trace a step once, replay its NumPy calls
=================  ==========================================================

Start with ``engine.backpropagate``: the chain rule in one screen.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([3.0], requires_grad=True)
>>> (dy,) = tg.autograd.grad((x * x).sum(), x)
>>> dy
Tensor([6.], shape=(1,), dtype=float32)
"""
from __future__ import annotations

from .anomaly import detect_anomaly, is_anomaly_enabled
from .engine import backward, grad, toposort
from .errors import axis_message, broadcast_error, tagged_error
from .function import Function, kernel, kernel_number
from .inplace import GradientAccumulationWarning
from .recording import composite, enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled

__all__ = [
    "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "grad", "backward", "toposort", "detect_anomaly", "is_anomaly_enabled", "scope", "composite",
    "kernel", "kernel_number", "GradientAccumulationWarning", "tagged_error", "axis_message",
    "broadcast_error",
]
