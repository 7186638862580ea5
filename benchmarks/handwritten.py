"""The reference: the benchmarked computations written by hand in NumPy.

This is what the article invites the reader to write: forward pass, the
backprop formulas typed in (dZ = dA * g'(Z), dW = A_prev^T dZ, db = sum dZ,
dA_prev = dZ W^T, and dZ = (Y_hat - Y) / m for sigmoid + BCE), and Adam as
in-place array updates.  It is written plainly, the way a careful person
would, not tuned with tricks the framework could not use.

Row-major like Keras and tinygrad_edu: samples are rows, Z = A_prev @ W + b.
"""
from __future__ import annotations

import numpy as np

EPSILON = 1e-7  # Keras' clipping constant for BCE


def sigmoid(z):
    """The logistic function, in its plainest (fastest) form.

    ``exp(-z)`` overflows for z < -88 in float32; the benchmarks never get
    there, and the plain form keeps the reference as fast as it can be.
    """
    return 1 / (1 + np.exp(-z))


class MLP:
    """A dense ReLU network with a sigmoid output, trained on binary cross-entropy.

    ``params`` is the list [W1, b1, W2, b2, ...] of float32 arrays (copied).
    """

    def __init__(self, params):
        self.params = [np.array(p, dtype=np.float32) for p in params]

    def forward(self, X):
        """Return Y_hat and the cache (A_prev, Z) of every layer."""
        A, cache = X, []
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            Z = A @ W + b
            cache.append((A, Z))
            A = np.maximum(Z, 0) if i < n_layers - 1 else sigmoid(Z)
        return A, cache

    def loss_and_grads(self, X, Y):
        """Binary cross-entropy (Keras clipping) and the gradients of every parameter."""
        Y_hat, cache = self.forward(X)
        p = np.clip(Y_hat, EPSILON, 1 - EPSILON)
        loss = -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))
        grads = [None] * len(self.params)
        dZ = (Y_hat - Y) / X.shape[0]  # sigmoid + BCE: dL/dZ collapses to (Y_hat - Y) / m
        for i in range(len(cache) - 1, -1, -1):
            A_prev, _ = cache[i]
            grads[2 * i] = A_prev.T @ dZ
            grads[2 * i + 1] = dZ.sum(axis=0)
            if i > 0:
                dA = dZ @ self.params[2 * i].T
                dZ = dA * (cache[i - 1][1] > 0)  # ReLU'(Z) = 1 where Z > 0
        return loss, grads

    def predict(self, X):
        return self.forward(X)[0]


class Adam:
    """Adam with Keras' defaults and update rule, as in-place NumPy operations.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
    """

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, beta_1, beta_2, epsilon
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        # a Python float: a NumPy float64 scalar would make the update float64
        alpha = float(self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t))
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * (g * g)
            p -= (alpha * m) / (np.sqrt(v) + self.eps)


def train_step(model, opt, X, Y):
    """One forward + backward + Adam update; returns the loss."""
    loss, grads = model.loss_and_grads(X, Y)
    opt.step(grads)
    return loss


def fit(model, opt, X, Y, epochs, batch_size, rng):
    """Keras-style fit: shuffle every epoch, minibatches of ``batch_size``."""
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            train_step(model, opt, X[idx], Y[idx])


# ------------------------------------------------------------------ B4 chain --
def chain_forward_backward(x, consts, n_ops):
    """The B4 chain by hand: forward, keeping what backward needs, then backward.

    Op i is ``tanh`` when i % 10 == 9, else ``* c`` for even i and ``+ c`` for
    odd i.  Returns (y, dy/dx summed over y's elements).
    """
    saved = [None] * n_ops
    y = x
    for i in range(n_ops):
        if i % 10 == 9:
            y = np.tanh(y)
            saved[i] = y           # tanh' = 1 - tanh^2 needs the output
        elif i % 2 == 0:
            y = y * consts[i]
        else:
            y = y + consts[i]
    g = np.ones_like(y)
    for i in range(n_ops - 1, -1, -1):
        if i % 10 == 9:
            t = saved[i]
            g = g * (1 - t * t)
        elif i % 2 == 0:
            g = g * consts[i]
        # d(y + c)/dy = 1: nothing to do
    return y, g
