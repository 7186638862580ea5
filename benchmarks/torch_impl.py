"""The same computations in PyTorch (CPU, eager), timed only when torch is importable.

PyTorch is an optional extra (``pip install -e .[torch]``), never a
dependency of the project or of its tests.
"""
from __future__ import annotations

import math

import numpy as np

from .handwritten import minibatches


def load():
    """The ``torch`` module limited to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    # Importing torch creates ~10^5 Python objects; freeze them so that the
    # cyclic garbage collector does not rescan them during every benchmark
    # (it would slow the allocation-heavy ones, B4 most, for a reason that is
    # not ours).  tinygrad_edu's graphs have no cycles; nothing here needs them.
    import gc
    gc.collect()
    gc.freeze()
    return torch


class KerasAdam:
    """``torch.optim.Adam`` stepping as Keras' Adam (the other implementations' rule).

    Keras updates p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps);
    PyTorch p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).  They agree
    when PyTorch's epsilon is eps / sqrt(1 - b2^t), set before each step.  (With a
    fixed 1e-7 the final weights of B5's 1,450 steps differ by 1e-1.)
    """

    def __init__(self, torch, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.opt = torch.optim.Adam(params, lr=lr, betas=(beta_1, beta_2), eps=epsilon)
        self.beta_2, self.epsilon, self.t = beta_2, epsilon, 0

    def zero_grad(self):
        self.opt.zero_grad()

    def step(self):
        self.t += 1
        self.opt.param_groups[0]["eps"] = self.epsilon / math.sqrt(1 - self.beta_2 ** self.t)
        self.opt.step()


class MLP:
    def __init__(self, torch, params):
        self.torch = torch
        self.params = [torch.tensor(np.array(p), requires_grad=True) for p in params]
        self.opt = KerasAdam(torch, self.params)

    def forward(self, X):
        a = X
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            z = a @ self.params[2 * i] + self.params[2 * i + 1]
            a = self.torch.relu(z) if i < n_layers - 1 else self.torch.sigmoid(z)
        return a

    def loss(self, X, Y):
        p = self.forward(X).clamp(1e-7, 1 - 1e-7)
        return -(Y * p.log() + (1 - Y) * (1 - p).log()).mean()

    def step(self, X, Y):
        self.opt.zero_grad()
        loss = self.loss(X, Y)
        loss.backward()
        self.opt.step()
        return loss

    def numpy_params(self):
        return [p.detach().numpy() for p in self.params]

    def fit(self, X, Y, epochs, batch_size, rng):
        """Keras-style fit, as ``handwritten.fit``: the same minibatches from the same ``rng``."""
        for _ in range(epochs):
            for idx in minibatches(X.shape[0], batch_size, rng):
                idx = self.torch.from_numpy(idx)
                self.step(X[idx], Y[idx])

    def predict(self, X):
        with self.torch.no_grad():
            return self.forward(self.torch.tensor(X)).numpy()


def chain_forward_backward(torch, x0, consts, n_ops):
    x = torch.tensor(np.array(x0), requires_grad=True)
    y = x
    for i in range(n_ops):
        if i % 10 == 9:
            y = torch.tanh(y)
        elif i % 2 == 0:
            y = y * consts[i]
        else:
            y = y + consts[i]
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


class CNN:
    """The digits CNN (B6) in PyTorch, NCHW, from the same Keras-layout parameters.

    It flattens channels last, as Keras does, so that the dense layer's weights
    mean the same as in the other two implementations.
    """

    def __init__(self, torch, params):
        self.torch = torch
        arrays = [np.array(p) for p in params]
        for i in (0, 2):                       # Keras (kH, kW, C, F) -> PyTorch (F, C, kH, kW)
            arrays[i] = np.ascontiguousarray(arrays[i].transpose(3, 2, 0, 1))
        self.params = [torch.tensor(a, requires_grad=True) for a in arrays]
        self.opt = KerasAdam(torch, self.params)

    def loss(self, X, labels):
        F = self.torch.nn.functional
        K1, b1, K2, b2, W3, b3, W4, b4 = self.params
        h = F.max_pool2d(F.relu(F.conv2d(X, K1, b1, padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, K2, b2, padding=1)), 2)
        h = h.permute(0, 2, 3, 1).reshape(len(X), -1)
        p = F.softmax(F.relu(h @ W3 + b3) @ W4 + b4, dim=1)
        picked = p[self.torch.arange(len(X)), labels]
        return -picked.clamp(1e-7, 1 - 1e-7).log().mean()

    def step(self, X, labels):
        self.opt.zero_grad()
        loss = self.loss(X, labels)
        loss.backward()
        self.opt.step()
        return loss

    def numpy_params(self):
        out = [p.detach().numpy() for p in self.params]
        for i in (0, 2):
            out[i] = out[i].transpose(2, 3, 1, 0)
        return out
