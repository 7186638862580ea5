"""Checks of what is given to ``fit``, ``evaluate`` and ``predict``.

Each check raises before the first training step, with a message that starts
with the method's name (``op``), names the problem and says how to fix it.
The checks of the data against the model itself (feature count, label shape)
need the model and stay in :meth:`Model._prepare <tinygrad_edu.nn.Model>`.

Examples
--------
>>> check_int(32, "batch_size", "fit", 1)
32
>>> check_int(0, "batch_size", "fit", 1)
Traceback (most recent call last):
    ...
ValueError: fit: batch_size must be an integer >= 1, got 0
"""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor
from ..training import Callback

__all__ = ["to_array", "check_int", "check_fit_arguments", "hold_out", "check_callbacks"]


def to_array(a, what, op):
    """``a`` (a Tensor, an array or nested lists of numbers) as an ndarray of samples.

    Examples
    --------
    >>> to_array([[1, 2], [3, 4]], "x", "fit").shape
    (2, 2)
    >>> to_array(5.0, "x", "fit")
    Traceback (most recent call last):
        ...
    ValueError: fit: x must be an array of samples (first axis), got a scalar
    """
    if isinstance(a, Tensor):
        a = a.numpy()
    try:
        a = np.asarray(a)
    except ValueError as e:     # ragged lists
        raise ValueError(f"{op}: {what} is not a rectangular array of numbers: {e}") from None
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {what} must hold numbers, got an array of dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{op}: {what} must be an array of samples (first axis), got a scalar")
    return a


def check_int(value, name, op, minimum):
    """``value`` as an int, or a ValueError when it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{op}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fit_arguments(op, batch_size, epochs, initial_epoch, verbose, validation_split):
    """The numbers ``fit`` takes, checked: returns ``(batch_size, epochs, initial_epoch, verbose)``.

    ``batch_size=None`` means 32 and ``verbose='auto'`` means 1, as in Keras.

    Examples
    --------
    >>> check_fit_arguments("fit", None, 5, 0, "auto", 0.1)
    (32, 5, 0, 1)
    """
    batch_size = 32 if batch_size is None else check_int(batch_size, "batch_size", op, 1)
    epochs = check_int(epochs, "epochs", op, 0)
    initial_epoch = check_int(initial_epoch, "initial_epoch", op, 0)
    if verbose == "auto":
        verbose = 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"{op}: verbose must be 0, 1 or 2, got {verbose!r}")
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"{op}: validation_split must be a fraction in [0, 1), got "
                         f"{validation_split!r}")
    return batch_size, epochs, initial_epoch, verbose


def hold_out(x, y, validation_split, validation_data, op):
    """Set the validation data apart: returns ``(x, y, validation)``.

    ``validation`` is ``validation_data`` when given, else the *last*
    ``validation_split`` fraction of the samples (before any shuffling, as
    Keras does), else None.

    Examples
    --------
    >>> x, y, (x_val, y_val) = hold_out(np.zeros((10, 2)), np.arange(10), 0.2, None, "fit")
    >>> len(x), y_val.tolist()
    (8, [8, 9])
    """
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(f"{op}: validation_data must be a pair (x_val, y_val)")
        return x, y, validation_data
    if not validation_split:
        return x, y, None
    xa, ya = to_array(x, "x", op), to_array(y, "y", op)
    split = int(len(xa) * (1 - validation_split))
    if split == 0 or split == len(xa):
        raise ValueError(f"{op}: validation_split={validation_split} leaves an empty "
                         f"training or validation set for {len(xa)} samples")
    return xa[:split], ya[:split], (xa[split:], ya[split:])


def check_callbacks(callbacks, op):
    """``callbacks`` as a new list, checked to hold :class:`~tinygrad_edu.training.Callback` s.

    One callback alone is a list of one, as in Keras.
    """
    if callbacks is None or isinstance(callbacks, Callback):
        return [] if callbacks is None else [callbacks]
    try:
        callbacks = list(callbacks)
    except TypeError:
        raise TypeError(f"{op}: callbacks must be a list of Callback instances, got "
                        f"{type(callbacks).__name__}") from None
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"{op}: callbacks must be Callback instances (e.g. "
                            f"LambdaCallback(on_epoch_end=...)), got {type(cb).__name__}")
    return callbacks
