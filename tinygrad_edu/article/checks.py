"""The math the article does by hand, done by our autodiff instead.

* :func:`activation_derivatives` and :func:`check_activation_derivatives`:
  sigmoid, tanh, ReLU and leaky ReLU with their derivatives, the derivative
  being ``z.grad`` after a backward pass, checked against the closed forms;
* :func:`output_layer_dz`: dJ/dZ of a sigmoid output layer under binary
  cross-entropy, which the article derives as ``Y_hat - Y``;
* :func:`sine_data`, :func:`descend_sine_fit`, :func:`sine_loss_surface`:
  plain gradient descent on the MSE of ``sin(b cos(a x))`` (figure 8).

Nothing here draws; :mod:`tinygrad_edu.article.plots` turns these numbers
into figures 6 and 8.

Examples
--------
>>> d = activation_derivatives([-1.0, 2.0])
>>> d["sigmoid"][2].round(4).tolist()         # sigma(z) (1 - sigma(z)), by autodiff
[0.1966, 0.105]
"""
from __future__ import annotations

import numpy as np

from ..autograd import grad, no_grad
from ..nn import functional as F
from ..recipe import DEMO_SEED
from ..tensor import Tensor

__all__ = ["activation_derivatives", "check_activation_derivatives", "output_layer_dz", "SINE",
           "sine_data", "descend_sine_fit", "sine_loss_surface"]


def _closed_forms():
    """``name -> (g on a Tensor, g on NumPy, g' in closed form on NumPy)`` per activation."""
    def sig(z):
        return 1.0 / (1.0 + np.exp(-z))
    return {
        "sigmoid": (lambda z: z.sigmoid(), sig, lambda z: sig(z) * (1 - sig(z))),
        "tanh": (lambda z: z.tanh(), np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "ReLU": (lambda z: z.relu(), lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
        "leaky ReLU": (lambda z: z.leaky_relu(0.01), lambda z: np.where(z > 0, z, 0.01 * z),
                       lambda z: np.where(z > 0, 1.0, 0.01)),
    }


def activation_derivatives(z=None):
    """Each activation and its derivative, the derivative computed by autodiff.

    Parameters
    ----------
    z : array_like, optional
        Points to evaluate at (default: 401 points on [-10, 10], which include
        0, where ReLU's derivative is taken as 0 like the article's ``z > 0``).

    Returns
    -------
    dict
        ``name -> (z, g(z), g'(z) by autodiff, g'(z) closed form)``, NumPy
        float64 arrays.  Nothing in our code types the derivative in: it is
        ``z.grad`` after ``g(z).sum().backward()`` (each output depends on its
        own input only, so the gradient of the sum is the derivative).

    Examples
    --------
    >>> d = activation_derivatives([-1.0, 0.0, 2.0])
    >>> d["ReLU"][2].tolist(), d["leaky ReLU"][2].tolist()
    ([0.0, 0.0, 1.0], [0.01, 0.01, 1.0])
    """
    z = np.linspace(-10, 10, 401) if z is None else np.asarray(z, dtype=np.float64)
    out = {}
    for name, (ours, value, closed) in _closed_forms().items():
        t = Tensor(z, dtype="float64", requires_grad=True)
        y = ours(t)
        y.sum().backward()
        out[name] = (z, y.numpy(), t.grad.numpy(), closed(z))
    return out


def check_activation_derivatives(z=None, atol=1e-10):
    """Check every autodiff derivative against its closed form; return the max error.

    Raises ``AssertionError`` naming the activation when one does not match.

    Examples
    --------
    >>> check_activation_derivatives() < 1e-10
    True
    """
    worst = 0.0
    for name, (zz, _, ours, closed) in activation_derivatives(z).items():
        err = float(np.max(np.abs(ours - closed)))
        if not err <= atol:
            raise AssertionError(f"{name}: autodiff derivative differs from the closed form "
                                 f"by {err:.3g} (> {atol})")
        worst = max(worst, err)
    return worst


def output_layer_dz(a_prev, w, b, y):
    """dJ/dZ of a sigmoid output layer under mean binary cross-entropy, by autodiff.

    ``Z = A_prev @ W + b``, ``Y_hat = sigmoid(Z)``, ``J = BCE(Y_hat, Y)`` (a mean
    over the m samples).  Returns ``(dZ, Y_hat)`` as NumPy arrays; the article
    derives ``dZ = Y_hat - Y`` by hand, which with the mean becomes
    ``(Y_hat - Y) / m``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A, W, y = rng.normal(size=(5, 3)), rng.normal(size=(3, 1)), rng.integers(0, 2, (5, 1))
    >>> dZ, y_hat = output_layer_dz(A, W, np.zeros(1), y)
    >>> bool(np.allclose(dZ, (y_hat - y) / 5))
    True
    """
    a = Tensor(a_prev, dtype="float64")
    w = Tensor(w, dtype="float64", requires_grad=True)
    b = Tensor(b, dtype="float64", requires_grad=True)
    z = a @ w + b
    z.retain_grad()
    y_hat = z.sigmoid()
    F.binary_cross_entropy(y_hat, Tensor(y, dtype="float64"), eps=1e-15).backward()
    return z.grad.numpy(), y_hat.numpy()


# ----------------------------------------------- figure 8: sin(b cos(a x)) ---
#: The sine fit of figure 8: true a and b, data size and noise, descent start, step and
#: length, and the half-width of the plotted (a, b) square.
SINE = dict(a=1.2, b=2.5, n=200, noise=0.1, start=(-1.0, -1.5), lr=0.04, steps=180, lim=5.0)


def sine_data(seed=DEMO_SEED, n=SINE["n"], a=SINE["a"], b=SINE["b"], noise=SINE["noise"]):
    """``n`` points of ``y = sin(b cos(a x)) + noise`` with x evenly spaced in [-1, 1].

    Examples
    --------
    >>> x, y = sine_data(seed=0, n=5)
    >>> x.tolist(), y.shape
    ([-1.0, -0.5, 0.0, 0.5, 1.0], (5,))
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n)
    return x, np.sin(b * np.cos(a * x)) + noise * rng.standard_normal(n)


def _sine_model(a, b, x):
    """The model of figure 8, ``sin(b cos(a x))``, on Tensors."""
    return (b * (a * x).cos()).sin()          # sin and cos are primitives in ops.py


def descend_sine_fit(x, y, start=SINE["start"], lr=SINE["lr"], steps=SINE["steps"]):
    """Plain gradient descent on the MSE of ``sin(b cos(a x))``; gradients by autodiff.

    Returns ``(path, losses)``: ``path[k]`` is (a, b) after k steps
    (``steps + 1`` rows), ``losses[k]`` the MSE there.

    Examples
    --------
    >>> x, y = sine_data(seed=0)
    >>> path, losses = descend_sine_fit(x, y, steps=5)
    >>> path.shape, bool(losses[-1] < losses[0])
    ((6, 2), True)
    """
    xt, yt = Tensor(x, dtype="float64"), Tensor(y, dtype="float64")
    a = Tensor(start[0], dtype="float64", requires_grad=True)
    b = Tensor(start[1], dtype="float64", requires_grad=True)
    path, losses = [], []
    for _ in range(steps + 1):
        d = _sine_model(a, b, xt) - yt
        loss = (d * d).mean()
        path.append((a.item(), b.item()))
        losses.append(loss.item())
        if len(path) > steps:
            break
        da, db = grad(loss, [a, b])
        with no_grad():                      # W := W - alpha dW, for W in (a, b)
            a -= lr * da
            b -= lr * db
    return np.array(path), np.array(losses)


def sine_loss_surface(x, y, n=121, lim=SINE["lim"]):
    """The MSE over an ``n`` x ``n`` grid of (a, b) in [-lim, lim]^2 (our ops, no grad).

    Returns ``(a_values, b_values, mse)`` with ``mse[i, j]`` at ``(a_values[j], b_values[i])``.

    Examples
    --------
    >>> x, y = sine_data(seed=0)
    >>> av, bv, mse = sine_loss_surface(x, y, n=5)
    >>> mse.shape, av.tolist()
    ((5, 5), [-5.0, -2.5, 0.0, 2.5, 5.0])
    """
    av = np.linspace(-lim, lim, n)
    bv = np.linspace(-lim, lim, n)
    with no_grad():
        A = Tensor(av.reshape(1, n, 1), dtype="float64")
        B = Tensor(bv.reshape(n, 1, 1), dtype="float64")
        d = _sine_model(A, B, Tensor(x.reshape(1, 1, -1), dtype="float64")) - \
            Tensor(y.reshape(1, 1, -1), dtype="float64")
        mse = (d * d).mean(axis=-1).numpy()
    return av, bv, mse
