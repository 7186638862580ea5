"""What each tensor is called in a drawing (``draw_graph(params=..., inputs=...)``).

A tensor's label starts with its name, taken from, in this order: ``params=``
(a Module's ``named_parameters()``, a dict, a list or one Tensor),
``inputs=`` (a dict or a list), the tensor's own ``.name`` (``Dense`` names
its parameters ``'dense_1.kernel'``).  Step 4 (the views) asks
:meth:`_Names.of`; the forward view also treats a tensor named by
``params=`` as a parameter and one named by ``inputs=`` as an input.
:func:`tensor_labels` names the unnamed ones too (``MatMul#2``), for
``explain`` and the explorer.
"""
from __future__ import annotations

from ..tensor import Tensor
from .style import _fmt


def _param_names(params):
    """id(tensor) -> name, from a dict, a Module (``named_parameters()``) or a list of tensors."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = params.named_parameters()
        items = items.items() if isinstance(items, dict) else items
    elif isinstance(params, dict):
        items = params.items()
    elif isinstance(params, Tensor):
        items = [(params.name or "parameter", params)]
    else:
        try:
            items = [(getattr(p, "name", None) or f"param_{i}", p) for i, p in enumerate(params)]
        except TypeError:                       # not iterable
            raise TypeError(f"draw_graph: params must be a dict of name -> Tensor, a Module or a "
                            f"list of Tensors, got {type(params).__name__}") from None
    out = {}
    for name, p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"draw_graph: params must map names to Tensors, got {type(p).__name__} "
                            f"for {name!r}")
        out[id(p)] = str(name)
    return out


def _input_names(inputs):
    """id(tensor) -> name (None for an unnamed tensor of a list), from a dict or a list."""
    if inputs is None:
        return {}
    if isinstance(inputs, dict):
        return {id(t): str(k) for k, t in inputs.items()}
    return {id(t): t.name for t in ([inputs] if isinstance(inputs, Tensor) else inputs)}


class _Names:
    """The names ``params=`` and ``inputs=`` give (``id(tensor) -> name`` in each dict)."""

    def __init__(self, params=None, inputs=None):
        self.params = _param_names(params)
        self.inputs = _input_names(inputs)

    def of(self, t):
        """The name to show for tensor ``t``, or None."""
        return self.params.get(id(t)) or self.inputs.get(id(t)) or t.name


def tensor_labels(trace, names):
    """``id(tensor) -> text`` for every tensor of ``trace``, named or not.

    A named tensor keeps its name (:meth:`_Names.of`).  An unnamed result is
    called after the op that made it, ``MatMul#2`` (the graph's second
    ``MatMul``); an unnamed one-number constant by its value, ``-1``; other
    unnamed leaves ``param#1`` (needs a gradient) or ``const#1``.
    """
    labels, counts = {}, {}
    for t in trace.tensors:
        name = names.of(t)
        if name is None:
            k = trace.producer(t)
            if k is not None:
                kind = type(trace.fns[k][0]).__name__
            elif t.size == 1 and not t._requires_grad:
                labels[id(t)] = _fmt(t._data.reshape(-1)[0])
                continue
            else:
                kind = "param" if t._requires_grad else "const"
            counts[kind] = counts.get(kind, 0) + 1
            name = f"{kind}#{counts[kind]}"
        labels[id(t)] = name
    return labels
