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


def minibatches(n, batch_size, rng):
    """One epoch's minibatches of ``n`` samples, as index arrays: shuffled by ``rng``."""
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def fit(model, opt, X, Y, epochs, batch_size, rng):
    """Keras-style fit: shuffle every epoch, minibatches of ``batch_size``."""
    for _ in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
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


# -------------------------------------------------------------------- B6 CNN --
def im2col(x, k):
    """The k x k windows of NHWC ``x`` (stride 1) as rows: (N * H_out * W_out, k * k * C).

    Column ``(di * k + dj) * C + c`` holds channel c of the pixel under kernel
    tap (di, dj), which is how a (k, k, C, F) kernel reshapes to (k * k * C, F).
    """
    n, h, w, c = x.shape
    oh, ow = h - k + 1, w - k + 1
    cols = np.empty((n, oh, ow, k * k, c), dtype=x.dtype)
    for di in range(k):
        for dj in range(k):
            cols[:, :, :, di * k + dj] = x[:, di:di + oh, dj:dj + ow]
    return cols.reshape(n * oh * ow, k * k * c)


def col2im(dcols, shape, k):
    """The adjoint of :func:`im2col`: each window's gradient added back onto its pixels."""
    n, h, w, c = shape
    oh, ow = h - k + 1, w - k + 1
    dcols = dcols.reshape(n, oh, ow, k * k, c)
    dx = np.zeros(shape, dtype=dcols.dtype)
    for di in range(k):
        for dj in range(k):
            dx[:, di:di + oh, dj:dj + ow] += dcols[:, :, :, di * k + dj]
    return dx


class CNN:
    """The digits CNN by hand, channels last: two (3x3 'same' conv + ReLU + 2x2 max pool)
    blocks, then Dense(relu) and Dense(softmax), trained on sparse categorical cross-entropy.

    ``params`` is [K1, b1, K2, b2, W3, b3, W4, b4] with Keras' kernel layout (k, k, C, F).
    """

    def __init__(self, params):
        self.params = [np.array(p, dtype=np.float32) for p in params]

    @staticmethod
    def _conv_relu(x, K, b):
        k = K.shape[0]
        p = k // 2                                       # 'same' padding for an odd kernel
        xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
        cols = im2col(xp, k)
        z = (cols @ K.reshape(-1, K.shape[-1]) + b).reshape(x.shape[:3] + (K.shape[-1],))
        return np.maximum(z, 0), (xp.shape, cols, z)

    @staticmethod
    def _pool(a):
        n, h, w, c = a.shape
        blocks = a.reshape(n, h // 2, 2, w // 2, 2, c)
        out = blocks.max(axis=(2, 4))
        mask = blocks == out[:, :, None, :, None]
        return out, mask / mask.sum(axis=(2, 4), keepdims=True)    # ties share the gradient

    def forward(self, X):
        K1, b1, K2, b2, W3, b3, W4, b4 = self.params
        a1, c1 = self._conv_relu(X, K1, b1)
        p1, m1 = self._pool(a1)
        a2, c2 = self._conv_relu(p1, K2, b2)
        p2, m2 = self._pool(a2)
        h = p2.reshape(len(X), -1)
        z3 = h @ W3 + b3
        a3 = np.maximum(z3, 0)
        z4 = a3 @ W4 + b4
        e = np.exp(z4 - z4.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        return probs, (c1, m1, c2, m2, p2.shape, h, z3, a3)

    @staticmethod
    def _unpool(dout, share):
        return (dout[:, :, None, :, None] * share).reshape(
            share.shape[0], share.shape[1] * 2, share.shape[3] * 2, share.shape[5])

    @staticmethod
    def _conv_backward(dz, cache, K, need_dx=True):
        """dK, db and (unless the input is the data) dx of a 'same' convolution."""
        xp_shape, cols, _ = cache
        k, p = K.shape[0], K.shape[0] // 2
        dz = dz.reshape(-1, K.shape[-1])
        dK = (cols.T @ dz).reshape(K.shape)
        if not need_dx:
            return dK, dz.sum(axis=0), None
        dxp = col2im(dz @ K.reshape(-1, K.shape[-1]).T, xp_shape, k)
        return dK, dz.sum(axis=0), dxp[:, p:-p, p:-p]

    def loss_and_grads(self, X, labels):
        """Sparse categorical cross-entropy (Keras clipping) and every parameter's gradient."""
        K1, b1, K2, b2, W3, b3, W4, b4 = self.params
        probs, (c1, m1, c2, m2, p2_shape, h, z3, a3) = self.forward(X)
        n = len(X)
        picked = probs[np.arange(n), labels]
        loss = -np.mean(np.log(np.clip(picked, EPSILON, 1 - EPSILON)))
        dz4 = probs.copy()
        dz4[np.arange(n), labels] -= 1                 # softmax + CE: dZ = (P - Y) / m
        dz4 /= n
        dz3 = (dz4 @ W4.T) * (z3 > 0)
        dp2 = (dz3 @ W3.T).reshape(p2_shape)
        dz2 = self._unpool(dp2, m2) * (c2[2] > 0)
        dK2, db2, dp1 = self._conv_backward(dz2, c2, K2)
        dz1 = self._unpool(dp1, m1) * (c1[2] > 0)
        dK1, db1, _ = self._conv_backward(dz1, c1, K1, need_dx=False)
        grads = [dK1, db1, dK2, db2, h.T @ dz3, dz3.sum(axis=0), a3.T @ dz4, dz4.sum(axis=0)]
        return loss, grads
