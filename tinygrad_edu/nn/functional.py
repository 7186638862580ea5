"""Losses and activations as plain functions of Tensors.

The activations beyond the article's (softplus, gelu, elu, ...) are defined
in ``tinygrad_edu/activations.py`` and re-exported here.

Every loss here is a composition of Tensor ops: no derivative is written by
hand.  With a sigmoid output, ``binary_cross_entropy``'s derived gradient with
respect to the pre-activation is exactly the article's dZ = (Y_hat - Y) / m.

Target shapes: a prediction of shape ``(n, 1)`` and a target of shape ``(n,)``
(or the reverse) are *aligned*: the target is reshaped to the prediction's
shape.  Broadcasting them would silently build an ``(n, n)`` matrix and a wrong
loss.  Any other shape mismatch raises ``ValueError``.
"""
from __future__ import annotations

import numpy as np

from .. import derived as D
from ..activations import (elu, gelu, hard_sigmoid, hard_swish, hardswish, mish, relu6, selu,
                           silu, softplus, softsign, swish)
from ..function import kernel
from ..recording import composite
from ..tensor import Tensor

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "cross_entropy", "categorical_cross_entropy", "align_target", "pick_labels",
           "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear",
           "softplus", "relu6", "hard_sigmoid", "hard_swish", "hardswish", "elu", "selu", "silu",
           "swish", "mish", "gelu", "softsign"]

#: Keras' clipping constant for probabilities inside log().
EPSILON = 1e-7

relu, leaky_relu, sigmoid, tanh = D.relu, D.leaky_relu, D.sigmoid, D.tanh
softmax, log_softmax = D.softmax, D.log_softmax


def linear(x):
    """The identity activation (Keras' ``'linear'``)."""
    return x


def align_target(pred, target, op):
    """Return ``target`` as a Tensor of ``pred``'s shape, or raise a clear error.

    Shapes equal up to a trailing axis of size 1 are aligned by a reshape.
    """
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target), dtype=pred.dtype)
    if target.shape == pred.shape:
        return target
    if target.shape + (1,) == pred.shape or target.shape == pred.shape + (1,):
        return target.reshape(pred.shape)
    raise ValueError(
        f"{op}: prediction shape {pred.shape} and target shape {target.shape} do not match. "
        f"They must be equal (a trailing axis of size 1 is aligned, e.g. (n, 1) with (n,)); "
        f"broadcasting them would compute a wrong loss.")


def pick_labels(x, labels, op):
    """``x[i, labels[i]]`` for every row i: each sample's entry for its integer class label.

    ``x`` has shape (n, classes); ``labels`` holds n class indices (shape (n,)
    or (n, 1); integer, or floats with integer values).  The labels are
    checked and turned into positions in the flattened ``x``
    (``i * classes + labels[i]``) by a ``kernel``, so :func:`tinygrad_edu.jit`
    recomputes and rechecks them for every batch; the pick itself is one
    ``GetItem``, whose gradient goes to the picked entries only.

    Examples
    --------
    >>> import numpy as np
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([[0.1, 0.9], [0.8, 0.2]])
    >>> pick_labels(x, np.array([1, 0]), "example")
    Tensor([0.9, 0.8], shape=(2,), dtype=float32)
    """
    raw = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if x.ndim != 2 or raw.shape not in ((x.shape[0],), (x.shape[0], 1)):
        raise ValueError(f"{op}: integer labels must have shape (n,) or (n, 1) for predictions of "
                         f"shape (n, classes); got labels {raw.shape} for predictions {x.shape}")
    return x.reshape(-1)[kernel(_flat_positions, raw, classes=x.shape[1], op=op)]


def _flat_positions(labels, classes, op):
    """``i * classes + labels[i]`` for every i, after checking the labels."""
    labels = labels.reshape(-1)
    if labels.dtype.kind not in "iuf":
        raise TypeError(f"{op}: labels must be integer class indices, got dtype {labels.dtype}")
    if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
        raise ValueError(f"{op}: labels must be integer class indices, got fractional values")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{op}: labels must be in [0, {classes - 1}], got values from "
                         f"{labels.min()} to {labels.max()}")
    return np.arange(0, labels.size * classes, classes) + labels.astype(np.intp)


@composite
def binary_cross_entropy(p, y, eps=EPSILON):
    """Mean of -(y log p + (1 - y) log(1 - p)), with p clipped to [eps, 1 - eps].

    Parameters
    ----------
    p : Tensor
        Predicted probabilities (e.g. a sigmoid output).
    y : Tensor or array_like
        Targets in [0, 1], same shape as ``p`` (see the module note on shapes).
    eps : float
        Clipping, as in Keras; keeps log() finite.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> from tinygrad_edu.nn.functional import binary_cross_entropy
    >>> z = Tensor([[0.5], [-1.0]], requires_grad=True)
    >>> y = Tensor([[1.0], [0.0]])
    >>> loss = binary_cross_entropy(z.sigmoid(), y)
    >>> loss.backward()
    >>> bool(np.allclose(z.grad.numpy(), (z.sigmoid() - y).numpy() / 2))  # dZ = (Y_hat - Y) / m
    True
    """
    y = align_target(p, y, "binary_cross_entropy")
    pc = D.clip(p, eps, 1 - eps)
    one = Tensor._const(1, p)                                  # (one constant for both 1 - ...)
    total = D.sum(y * D.log(pc) + (one - y) * D.log(one - pc))
    return total * -D._per(p, None)          # the mean (NaN of no samples, as mean's), negated


@composite
def binary_cross_entropy_with_logits(z, y):
    """BCE on logits z (before the sigmoid): mean(softplus(z) - z y).

    softplus(z) = log(1 + e^z) is evaluated as z + log(1 + e^-z) for z >= 0 and
    log(1 + e^z) for z < 0, so ``exp`` never sees a positive argument.  Both
    branches are smooth and agree at 0, so the derived gradient is
    (sigmoid(z) - y) / m everywhere, z = 0 included.  No clipping is needed.
    """
    z = D._as_float(z)
    y = align_target(z, y, "binary_cross_entropy_with_logits")
    pos, e = D._exp_neg_abs(z)
    log1p_exp = D.log(e + 1)                              # log(1 + e^-|z|)
    softplus = D.where(pos, z + log1p_exp, log1p_exp)
    return D.mean(softplus - z * y)


@composite
def mse_loss(pred, target):
    """Mean squared error, mean((pred - target)^2)."""
    target = align_target(pred, target, "mse_loss")
    d = pred - target
    return D.mean(d * d)


@composite
def cross_entropy(logits, labels, axis=-1):
    """Softmax cross-entropy on logits, averaged over samples.

    ``labels`` are integer class indices of shape ``(n,)`` (or ``(n, 1)``), or class
    probabilities (one-hot) with the logits' shape.
    """
    logp = D.log_softmax(logits, axis=axis)
    raw = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if raw.dtype.kind in "iu":
        return D.mean(pick_labels(logp, raw, "cross_entropy")) * -1
    if (logits.ndim == 2 and logits.shape[1] > 1 and raw.dtype.kind == "f"
            and raw.shape in ((len(logits),), (len(logits), 1))):
        raise ValueError(f"cross_entropy: labels of shape {raw.shape} and dtype {raw.dtype} for "
                         f"logits of shape {logits.shape}: class indices must be integers, e.g. "
                         f"labels.astype('int64'); float labels are class probabilities, shaped "
                         f"like the logits")
    target = align_target(logits, labels if isinstance(labels, Tensor) else raw.astype(logits.dtype),
                          "cross_entropy")                  # a Tensor target keeps its graph
    return D.mean(D.sum(target * logp, axis=axis)) * -1


@composite
def categorical_cross_entropy(p, target, eps=EPSILON, axis=-1):
    """Keras' categorical cross-entropy on probabilities p (one-hot targets)."""
    target = align_target(p, target, "categorical_cross_entropy")
    return D.mean(D.sum(target * D.log(D.clip(p, eps, 1 - eps)), axis=axis)) * -1
