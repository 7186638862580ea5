"""The same computations in PyTorch (CPU, eager), timed only when torch is importable.

PyTorch is an optional extra (``pip install -e .[torch]``), never a
dependency of the project or of its tests.
"""
from __future__ import annotations

import numpy as np


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


class MLP:
    def __init__(self, torch, params):
        self.torch = torch
        self.params = [torch.tensor(np.array(p), requires_grad=True) for p in params]
        # Keras' epsilon; torch adds it to sqrt(v_hat) instead of sqrt(v): a 1e-7-sized difference.
        self.opt = torch.optim.Adam(self.params, lr=0.001, betas=(0.9, 0.999), eps=1e-7)

    def loss(self, X, Y):
        a = X
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            z = a @ self.params[2 * i] + self.params[2 * i + 1]
            a = self.torch.relu(z) if i < n_layers - 1 else self.torch.sigmoid(z)
        p = a.clamp(1e-7, 1 - 1e-7)
        return -(Y * p.log() + (1 - Y) * (1 - p).log()).mean()

    def step(self, X, Y):
        self.opt.zero_grad()
        loss = self.loss(X, Y)
        loss.backward()
        self.opt.step()
        return loss

    def numpy_params(self):
        return [p.detach().numpy() for p in self.params]


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
