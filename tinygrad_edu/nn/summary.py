"""``summary()``: a table of a module's layers, in Keras' notation or in the article's.

Every :class:`~tinygrad_edu.nn.Module` has ``summary()``.  A ``Sequential``
knows each layer's output size from the layers themselves; any other module
is run once on a zero sample (without recording, in eval mode) with a
forward hook on every layer, which gives the layers in the order ``forward``
calls them and their output shapes.  The sample's shape is ``input_shape``
when given; else the layers' ``input_dim`` are tried in registration order
until one runs.  A module with layers that are not built yet is not run (its
shapes show as ``?``: running it would build them).

``notation="article"`` writes the same layers the way the article does, with
samples as the *columns* of a matrix: layer ``l`` computes
``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = g[l](Z[l])``, with ``W[l]`` of
shape ``(n[l], n[l-1])``, ``b[l]`` of shape ``(n[l], 1)`` and ``Z[l]``,
``A[l]`` of shape ``(n[l], m)`` for ``m`` samples.  (tinygrad_edu keeps
samples as rows, so a ``Dense`` layer's ``kernel`` is ``W[l]`` transposed.)

Examples
--------
>>> import tinygrad_edu as tg
>>> from tinygrad_edu.nn import Dense
>>> layer = Dense(3, activation="relu", input_dim=2, name="hidden")
>>> layer.summary(notation="article")
Dense "hidden" in the article's notation (the m samples are columns)
_______________________________________________________________________________
l   Layer (type)          W[l]      b[l]      Z[l], A[l]  g[l]          Param #
===============================================================================
0   input                                     A[0]: (2, m)
1   hidden (Dense)        (3, 2)    (3, 1)    (3, m)      relu                9
===============================================================================
Total params: 9 (W: 6, b: 3)
Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]). Samples are rows in tinygrad_edu:
a Dense kernel is W[l] transposed, of shape (n[l-1], n[l]).
_______________________________________________________________________________
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import autograd
from ..tensor import Tensor

__all__ = ["summary_text", "probe_layers"]

NOTATIONS = ("keras", "article")


def _leaves(module):
    """``(qualified name, module)`` of every layer without sub-modules (the module itself if none)."""
    leaves = [(q, m) for q, m in module.named_modules() if m is not module and not m._modules]
    return leaves or [(module.name, module)]


def sample_shape(input_shape):
    """``summary``'s ``input_shape`` as a tuple of ints, or a ValueError that names it."""
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if not shape or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
                            for d in shape):
        raise ValueError(f"summary: input_shape must be the shape of one sample, a tuple of "
                         f"integers >= 1 such as (2,), got {input_shape!r}")
    return tuple(int(d) for d in shape)


def _input_shapes(leaves, input_shape):
    """The sample shapes to try: ``input_shape``, else each layer's ``input_dim`` in order."""
    if input_shape is not None:
        return [sample_shape(input_shape)]
    dims = [m.input_dim for _, m in leaves if getattr(m, "input_dim", None) is not None]
    return [(d,) for d in dict.fromkeys(dims)]


def _run(module, shape):
    """Run ``module`` on one zero sample of ``shape``; False when it cannot take it."""
    try:
        with autograd.no_grad():
            module(Tensor._make(np.zeros((1,) + shape, np.float32), False, None))
        return True
    except (ValueError, TypeError, IndexError):
        return False


def probe_layers(module, input_shape=None):
    """``[(name, layer, output shape without the batch axis, or None)]`` in the order they run.

    Runs ``module`` once on a zero sample with a forward hook on every layer
    (see the module docstring); without a known input size, or when the run
    fails, the layers come in registration order with no shapes.

    Examples
    --------
    >>> from tinygrad_edu.nn import Dense, Module
    >>> class Net(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.out = Dense(1, input_dim=3)          # registered first, runs last
    ...         self.hidden = Dense(3, input_dim=2)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x))
    >>> [(name, shape) for name, _, shape in probe_layers(Net(), input_shape=(2,))]
    [('hidden', (3,)), ('out', (1,))]
    """
    leaves = _leaves(module)
    shapes = _input_shapes(leaves, input_shape)
    if not shapes or not all(getattr(m, "built", True) for _, m in leaves):
        return [(q, m, None) for q, m in leaves]
    names = {id(m): q for q, m in leaves}
    seen = {}

    def record(m, inputs, out):
        if id(m) not in seen and isinstance(out, Tensor):
            seen[id(m)] = (names[id(m)], m, out.shape[1:])

    handles = [m.register_forward_hook(record) for _, m in leaves]
    was_training = module.training
    module.eval()
    try:
        for shape in shapes:
            seen.clear()
            if _run(module, shape):
                break
        else:
            seen.clear()                # no size fits: no shapes
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    rows = list(seen.values())
    return rows + [(q, m, None) for q, m in leaves if id(m) not in seen]


def _count(layer):
    count = layer.count_params()
    return f"{count} (unbuilt)" if getattr(layer, "built", True) is False else str(count)


def _own_parameters(module):
    """``(qualified name, Tensor)`` of parameters held by containers, not by a layer."""
    return [(f"{q}.{k}" if q else k, p) for q, m in module.named_modules() if m._modules
            for k, p in m._parameters.items()]


def _keras_lines(module, rows):
    labels = [f"{name} ({type(layer).__name__})" for name, layer, _ in rows]
    w = (max([30] + [len(s) + 1 for s in labels]), 22, 12)   # (a long label keeps a gap)
    lines = [f"{'Layer (type)':<{w[0]}}{'Output Shape':<{w[1]}}{'Param #':>{w[2]}}", "=" * sum(w)]
    for label, (name, layer, shape) in zip(labels, rows):
        shown = "?" if shape is None else "(None, " + ", ".join(map(str, shape)) + ")"
        lines.append(f"{label:<{w[0]}}{shown:<{w[1]}}{_count(layer):>{w[2]}}")
    for name, p in _own_parameters(module):
        lines.append(f"{name + ' (parameter)':<{w[0]}}{str(p.shape):<{w[1]}}{p.size:>{w[2]}}")
    total = module.count_params()
    lines += ["=" * sum(w), f"Total params: {total}", f"Trainable params: {total}",
              "Non-trainable params: 0"]
    if rows and all(shape is None for _, _, shape in rows) and len(rows) > 1:
        lines.append("(output shapes unknown: call summary(input_shape=(n_features,)))")
    return f'Model: "{module.name}"', sum(w), lines


def _shape(*dims):
    return "(" + ", ".join(map(str, dims)) + ")"


def _article_lines(module, rows):
    w = (4, 22, 10, 10, 12, 9, 12)
    head = ("l", "Layer (type)", "W[l]", "b[l]", "Z[l], A[l]", "g[l]")
    lines = ["".join(f"{h:<{n}}" for h, n in zip(head, w)) + f"{'Param #':>{w[6]}}",
             "=" * sum(w)]
    body, l, n_w, n_b = [], 0, 0, 0
    for name, layer, shape in rows:
        kernel, bias = getattr(layer, "kernel", None), getattr(layer, "bias", None)
        act = getattr(layer, "activation_name", "")
        cells = ["", f"{name} ({type(layer).__name__})", "-", "-",
                 "?" if shape is None else _shape(*shape[::-1], "m"), act]
        if kernel is not None and kernel.ndim == 2:
            l, (n_prev, n) = l + 1, kernel.shape
            if l == 1:
                body.append("".join(f"{c:<{k}}" for c, k in zip(
                    ("0", "input", "", "", f"A[0]: {_shape(n_prev, 'm')}"), w)).rstrip())
            cells[0], cells[2], cells[4] = str(l), _shape(n, n_prev), _shape(n, "m")
            cells[3] = _shape(n, 1) if bias is not None else "-"
            n_w, n_b = n_w + kernel.size, n_b + (bias.size if bias is not None else 0)
        body.append("".join(f"{c:<{k}}" for c, k in zip(cells, w)) + f"{_count(layer):>{w[6]}}")
    total = module.count_params()
    other = total - n_w - n_b
    parts = f"W: {n_w}, b: {n_b}" + (f", other: {other}" if other else "")
    lines += body + ["=" * sum(w), f"Total params: {total} ({parts})",
                     "Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]). Samples are rows in "
                     "tinygrad_edu:", "a Dense kernel is W[l] transposed, of shape (n[l-1], n[l])."]
    title = f'{type(module).__name__} "{module.name}" in the article\'s notation'
    return f"{title} (the m samples are columns)", sum(w), lines


def summary_text(module, rows, notation="keras"):
    """The summary table of ``module`` with its layer ``rows`` (from ``probe_layers``), as text."""
    if notation not in NOTATIONS:
        raise ValueError(f"summary: notation must be 'keras' (Keras' table) or 'article' (W[l], "
                         f"b[l], Z[l], A[l] with samples as columns), got {notation!r}")
    title, width, lines = (_keras_lines if notation == "keras" else _article_lines)(module, rows)
    return "\n".join([title, "_" * width] + lines + ["_" * width])
