"""Losses by Keras name, for ``model.compile(loss='binary_crossentropy')``.

A loss is called as ``loss(y_pred, y_true)`` -- the order of
:mod:`tinygrad_edu.nn.functional` (and PyTorch), not Keras' ``(y_true, y_pred)``
-- and returns a scalar Tensor.  All are compositions of Tensor ops.
"""
from __future__ import annotations

from .. import derived as D
from ..recording import composite
from . import functional as F

__all__ = ["mean_absolute_error", "sparse_categorical_crossentropy", "LOSSES", "get"]


@composite
def mean_absolute_error(pred, target):
    """mean(|pred - target|)."""
    target = F.align_target(pred, target, "mean_absolute_error")
    return D.mean(D.abs(pred - target))


@composite
def sparse_categorical_crossentropy(p, labels, eps=F.EPSILON):
    """Categorical cross-entropy of probabilities ``p`` (n, classes) with integer labels (n,).

    Keras' ``sparse_categorical_crossentropy``: ``-mean(log p[i, label_i])``.
    """
    picked = F.pick_labels(p, labels, "sparse_categorical_crossentropy")   # p[i, label_i]
    return D.mean(D.log(D.clip(picked, eps, 1 - eps))) * -1


#: name -> loss(y_pred, y_true)
LOSSES = {
    "binary_crossentropy": F.binary_cross_entropy,
    "categorical_crossentropy": F.categorical_cross_entropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "mean_squared_error": F.mse_loss,
    "mean_absolute_error": mean_absolute_error,
}
_ALIASES = {"bce": "binary_crossentropy", "binary_cross_entropy": "binary_crossentropy",
            "mse": "mean_squared_error", "mae": "mean_absolute_error",
            "categorical_cross_entropy": "categorical_crossentropy",
            "sparse_categorical_cross_entropy": "sparse_categorical_crossentropy"}


def get(loss):
    """``(name, function)`` for a loss name or callable; unknown names list the valid ones."""
    if isinstance(loss, str):
        key = _ALIASES.get(loss.lower(), loss.lower())
        if key in LOSSES:
            return key, LOSSES[key]
        raise ValueError(f"unknown loss {loss!r}; valid names: "
                         f"{', '.join(sorted(set(LOSSES) | set(_ALIASES)))} "
                         f"(or pass a callable loss(y_pred, y_true) -> scalar Tensor)")
    if callable(loss):
        return getattr(loss, "__name__", type(loss).__name__), loss
    raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")
