"""The benchmarked computations written with tinygrad_edu, as a user would."""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.nn.functional import binary_cross_entropy


class _FallbackAdam:
    """Keras' Adam as in-place NumPy updates, used until ``tinygrad_edu.optim`` exists."""

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, beta_1, beta_2, epsilon
        self.m = [np.zeros_like(p.data) for p in params]
        self.v = [np.zeros_like(p.data) for p in params]
        self.t = 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        # a Python float: a NumPy float64 scalar would make the update float64
        alpha = float(self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t))
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad.data
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * (g * g)
            p.data -= (alpha * m) / (np.sqrt(v) + self.eps)  # in place; bumps p's version


def make_adam(params, lr=0.001):
    """``tinygrad_edu.optim.Adam`` when it exists (Keras defaults), else the fallback above."""
    try:
        from tinygrad_edu.optim import Adam
    except ImportError:
        return _FallbackAdam(params, lr=lr)
    return Adam(params, lr=lr)


def optimizer_name(opt):
    return f"{type(opt).__module__}.{type(opt).__name__}"


class MLP:
    """Dense ReLU layers and a sigmoid output, built from raw Tensors."""

    def __init__(self, params):
        self.params = [Tensor(p, requires_grad=True) for p in params]  # Tensor() copies

    def forward(self, X):
        a = X
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            z = a @ self.params[2 * i] + self.params[2 * i + 1]
            a = z.relu() if i < n_layers - 1 else z.sigmoid()
        return a

    def loss(self, X, Y):
        return binary_cross_entropy(self.forward(X), Y)

    def numpy_params(self):
        return [p.numpy() for p in self.params]


def train_step(model, opt, X, Y):
    """One forward + backward + Adam update (the unit of B1-B3)."""
    opt.zero_grad()
    loss = model.loss(X, Y)
    loss.backward()
    opt.step()
    return loss


def jit_train_step(model, opt):
    """``train_step`` with the forward and backward traced once and replayed (``tg.jit``)."""
    import tinygrad_edu as tg

    @tg.jit
    def loss_and_grads(X, Y):
        loss = model.loss(X, Y)
        loss.backward()
        return loss

    def step(X, Y):
        opt.zero_grad()
        loss = loss_and_grads(X, Y)
        opt.step()
        return loss
    return step


def chain(x, consts, n_ops):
    """The B4 chain: ``* c`` / ``+ c`` alternating, ``tanh`` every 10th op."""
    y = x
    for i in range(n_ops):
        if i % 10 == 9:
            y = y.tanh()
        elif i % 2 == 0:
            y = y * consts[i]
        else:
            y = y + consts[i]
    return y


def chain_forward_backward(x0, consts, n_ops):
    """Forward and backward through the chain; returns (y, x.grad) as arrays."""
    x = Tensor(x0, requires_grad=True)
    y = chain(x, consts, n_ops)
    y.sum().backward()
    return y.numpy(), x.grad.numpy()


def jit_chain_forward_backward(consts, n_ops):
    """``chain_forward_backward`` with the chain and its backward replayed by ``tg.jit``
    (the gradient reaches the argument ``x`` on every call)."""
    import tinygrad_edu as tg

    @tg.jit
    def forward_backward(x):
        y = chain(x, consts, n_ops)
        y.sum().backward()
        return y

    def run(x0):
        x = Tensor(x0, requires_grad=True)
        y = forward_backward(x)
        return y.numpy(), x.grad.numpy()
    run.jitted = forward_backward
    return run


# -------------------------------------------------------------------- B6 CNN --
def digits_cnn(params=None):
    """The digits CNN of ``examples/digits_cnn.py``, as a Keras user writes it.

    With ``params`` ([K1, b1, K2, b2, W3, b3, W4, b4], Keras layouts) the weights
    are set to them, so that the hand-written version can start from the same point.
    """
    from tinygrad_edu.nn import Conv2D, Dense, Flatten, MaxPooling2D, Sequential
    model = Sequential([
        Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D(2),
        Conv2D(32, 3, padding="same", activation="relu"),
        MaxPooling2D(2),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    if params is not None:
        model.set_weights(params)
    return model


def cnn_train_step(model, opt, X, labels):
    """One forward + backward + Adam step of the CNN on sparse categorical cross-entropy."""
    from tinygrad_edu.nn.losses import sparse_categorical_crossentropy
    opt.zero_grad()
    loss = sparse_categorical_crossentropy(model(X), labels)
    loss.backward()
    opt.step()
    return loss


def cnn_jit_train_step(model, opt):
    """``cnn_train_step`` with the forward and backward replayed by ``tg.jit``."""
    import tinygrad_edu as tg
    from tinygrad_edu.nn.losses import sparse_categorical_crossentropy

    @tg.jit
    def loss_and_grads(X, labels):
        loss = sparse_categorical_crossentropy(model(X), labels)
        loss.backward()
        return loss

    def step(X, labels):
        opt.zero_grad()
        loss = loss_and_grads(X, labels)
        opt.step()
        return loss
    return step
