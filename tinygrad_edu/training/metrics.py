"""Metrics for ``compile(metrics=[...])``: functions ``f(y_pred, y_true) -> float``.

A metric is the mean over the batch, computed on NumPy arrays: metrics are
measured, not differentiated, so they stay off the graph.

Examples
--------
>>> import numpy as np
>>> float(binary_accuracy(np.array([0.9, 0.2, 0.7]), np.array([1, 0, 0])))
0.6666666666666666
>>> get_metric("accuracy", "sparse_categorical_crossentropy").__name__
'sparse_categorical_accuracy'
"""
from __future__ import annotations

import numpy as np

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "mean_squared_error", "mean_absolute_error", "METRICS", "METRIC_NAMES",
           "check_metric", "get_metric", "SAMPLE_MEANS"]


# arrays: metrics are measured, not differentiated, so they stay off the graph.
def _aligned(y_pred, y_true):
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        return y_true.reshape(y_pred.shape)
    return y_true


def binary_accuracy(y_pred, y_true, threshold=0.5):
    """Fraction of samples where ``(y_pred > threshold)`` equals the 0/1 label."""
    y_true = _aligned(y_pred, np.asarray(y_true))
    return _fraction((y_pred > threshold) == (y_true > 0.5))


def _fraction(hits):
    """The mean of a boolean array (counted: np.mean runs in Python, and is slower)."""
    return np.count_nonzero(hits) / hits.size if hits.size else float("nan")


def categorical_accuracy(y_pred, y_true):
    """Fraction where the arg-max of the prediction is the arg-max of the one-hot label."""
    return _fraction(np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1))


def sparse_categorical_accuracy(y_pred, y_true):
    """Fraction where the arg-max of the prediction is the integer label."""
    return _fraction(np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(-1))


def mean_squared_error(y_pred, y_true):
    d = y_pred - _aligned(y_pred, np.asarray(y_true))
    return float(np.mean(d * d))


def mean_absolute_error(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - _aligned(y_pred, np.asarray(y_true)))))


METRICS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
}
#: The metrics that are means over samples: one call on several batches at once gives
#: the mean of their batch values weighted by batch size, so ``fit`` may measure them once
#: for many batches (``nn.fit.RunningMeans``).
SAMPLE_MEANS = frozenset(METRICS.values())
_METRIC_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
_ACCURACY = ("accuracy", "acc")
METRIC_NAMES = sorted(set(METRICS) | set(_METRIC_ALIASES) | set(_ACCURACY))


def check_metric(metric):
    """Validate a metric given to ``compile``; returns ``(history key, name or callable)``."""
    if isinstance(metric, str):
        key = metric.lower()
        if key in _ACCURACY or key in METRICS or key in _METRIC_ALIASES:
            return metric, key
        raise ValueError(f"unknown metric {metric!r}; valid names: {', '.join(METRIC_NAMES)} "
                         f"(or pass a callable metric(y_pred, y_true) -> float)")
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise TypeError(f"metric must be a name or a callable, got {type(metric).__name__}")


def get_metric(metric, loss_name=None, output_units=1):
    """The metric function for a name (or a callable, returned as is).

    ``'accuracy'`` means what Keras means: sparse categorical accuracy with
    the sparse categorical loss, binary accuracy for one output unit, and
    categorical accuracy otherwise.
    """
    if callable(metric):
        return metric
    key = metric.lower()
    if key in _ACCURACY:
        if loss_name == "sparse_categorical_crossentropy":
            return sparse_categorical_accuracy
        if loss_name == "binary_crossentropy" or output_units == 1:
            return binary_accuracy
        return categorical_accuracy
    key = _METRIC_ALIASES.get(key, key)
    if key not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid names: {', '.join(METRIC_NAMES)}")
    return METRICS[key]
