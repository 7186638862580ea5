"""The floor: the smallest reverse-mode engine that runs tinygrad_edu's own ops.

The ratio "tinygrad_edu / hand-written NumPy" mixes two costs:

1. **the design** -- gradients are *derived*: ReLU, sigmoid and BCE are
   compositions of primitive ops, each with its own NumPy forward and backward,
   where the hand-written code types in the collapsed formulas (one
   ``dZ = (Y_hat - Y) / m`` instead of 17 backward rules);
2. **the engine** -- the Python that records each op and walks the graph:
   Tensor and Function objects, scopes, version counters and in-place checks,
   error messages, rules that run on arrays or Tensors, ...

This module measures the first alone.  It is a bare tape engine (a node per
op, holding its value, its inputs and its rule; rules on arrays; an
iterative topological order; no checks of any kind) that runs the *same*
primitive decomposition as tinygrad_edu -- relu = where(x > 0, x, 0), the
5-op stable sigmoid, the 10-op BCE with Keras' clipping -- and updates the
parameters with tinygrad_edu's own Adam.  No engine with these ops can be
much faster in Python, so its column in the table is the best that the
design allows, and the distance from it to tinygrad_edu is what our engine's
features cost.

It is a measuring instrument, not a library: nothing imports it but the
benchmarks, and ``tests/test_benchmarks.py`` checks that it records as many
ops as tinygrad_edu does for the same step.
"""
from __future__ import annotations

import numpy as np


class Node:
    """A value, the inputs it was computed from, and the rule giving their gradients."""
    __slots__ = ("data", "grad", "requires_grad", "inputs", "rule", "extra")

    def __init__(self, data, requires_grad=False, inputs=None, rule=None, extra=None):
        self.data, self.grad, self.requires_grad = data, None, requires_grad
        self.inputs, self.rule, self.extra = inputs, rule, extra


def _op(rule, data, *inputs, extra=None):
    """A node for ``data`` that remembers its inputs when one of them needs a gradient."""
    for x in inputs:
        if x.requires_grad:
            return Node(data, True, inputs, rule, extra)
    return Node(data)


def const(value, dtype):
    return Node(np.asarray(value, dtype=dtype))


# ------------------------------------------------- rules: grad -> input grads ----
def _sum_to(g, shape):
    """The broadcasts these benchmarks make: none, or a bias over the batch (rows)."""
    if g.shape == shape:
        return g
    if g.ndim == 2 and g.shape[1:] == shape:
        return np.ones(g.shape[0], dtype=g.dtype) @ g
    return g.sum()  # a 0-d constant


def _add(g, out, a, b, extra):
    return (_sum_to(g, a.data.shape) if a.requires_grad else None,
            _sum_to(g, b.data.shape) if b.requires_grad else None)


def _sub(g, out, a, b, extra):
    return (_sum_to(g, a.data.shape) if a.requires_grad else None,
            _sum_to(-g, b.data.shape) if b.requires_grad else None)


def _mul(g, out, a, b, extra):
    return (_sum_to(g * b.data, a.data.shape) if a.requires_grad else None,
            _sum_to(g * a.data, b.data.shape) if b.requires_grad else None)


def _div(g, out, a, b, extra):
    ga = g / b.data
    return (_sum_to(ga, a.data.shape) if a.requires_grad else None,
            _sum_to(-(ga * out), b.data.shape) if b.requires_grad else None)


def _matmul(g, out, a, b, extra):
    return (g @ b.data.T if a.requires_grad else None,
            a.data.T @ g if b.requires_grad else None)


def _where(g, out, a, b, cond):
    zero = np.zeros((), dtype=g.dtype)
    return (_sum_to(np.where(cond, g, zero), a.data.shape) if a.requires_grad else None,
            _sum_to(np.where(cond, zero, g), b.data.shape) if b.requires_grad else None)


def _exp(g, out, a, extra):
    return (g * out,)


def _log(g, out, a, extra):
    return (g / a.data,)


def _tanh(g, out, a, extra):
    return (g * (1 - out * out),)


def _sum(g, out, a, extra):
    grad = np.empty(a.data.shape, dtype=g.dtype)
    grad.fill(g)
    return (grad,)


# ------------------------------------------------------------------- ops ----
def add(a, b):
    return _op(_add, a.data + b.data, a, b)


def sub(a, b):
    return _op(_sub, a.data - b.data, a, b)


def mul(a, b):
    return _op(_mul, a.data * b.data, a, b)


def div(a, b):
    return _op(_div, a.data / b.data, a, b)


def matmul(a, b):
    return _op(_matmul, a.data @ b.data, a, b)


def where(cond, a, b):
    return _op(_where, np.where(cond, a.data, b.data), a, b, extra=cond)


def exp(a):
    return _op(_exp, np.exp(a.data), a)


def log(a):
    return _op(_log, np.log(a.data), a)


def tanh(a):
    return _op(_tanh, np.tanh(a.data), a)


def total(a):
    return _op(_sum, np.add.reduce(a.data, axis=None), a)


# ----------------------------- tinygrad_edu's decompositions (see derived.py) ----
def relu(x):
    return where(~(x.data <= 0), x, const(0, x.data.dtype))       # x > 0, or NaN


def sigmoid(x):
    dtype, pos = x.data.dtype, x.data >= 0
    e = exp(mul(x, const(np.where(pos, -1, 1), dtype)))                  # e^(-|x|)
    return div(where(pos, const(1, dtype), e), add(e, const(1, dtype)))


def clip(x, lo, hi):
    d = x.data
    return where((d >= lo) & (d <= hi), x, const(np.minimum(np.maximum(d, lo), hi), d.dtype))


def binary_cross_entropy(p, y, eps=1e-7):
    dtype = p.data.dtype
    pc = clip(p, eps, 1 - eps)
    one = const(1, dtype)
    s = total(add(mul(y, log(pc)), mul(sub(one, y), log(sub(one, pc)))))
    return mul(s, const(-1.0 / p.data.size, dtype))


# -------------------------------------------------------------- backward ----
def backward(root):
    """Gradients of ``root`` into ``.grad`` of the leaves that require them."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:                              # post-order DFS: inputs before outputs
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            for x in node.inputs or ():
                if x.requires_grad and id(x) not in seen:
                    stack.append((x, False))
    grads = {id(root): np.ones((), dtype=root.data.dtype)}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node.inputs is None:               # a leaf
            node.grad = g if node.grad is None else node.grad + g
            continue
        for x, gx in zip(node.inputs, node.rule(g, node.data, *node.inputs, node.extra)):
            if gx is not None:
                prev = grads.get(id(x))
                grads[id(x)] = gx if prev is None else prev + gx
        node.inputs = None                    # free the graph as we go


# ------------------------------------------------------- the benchmarked work ----
class MLP:
    """The benchmarks' MLP on floor nodes, updated by tinygrad_edu's Adam.

    The parameters are tinygrad_edu Tensors whose arrays the nodes share, so
    the optimizer step is exactly tinygrad_edu's.
    """

    def __init__(self, params, make_adam):
        from tinygrad_edu import Tensor
        self.params = [Tensor(p, requires_grad=True) for p in params]
        self.opt = make_adam(self.params)       # (first: it may move the arrays, see optim._pack)
        self.nodes = [Node(p.data, True) for p in self.params]

    def forward(self, X):
        a, n_layers = X, len(self.nodes) // 2
        for i in range(n_layers):
            z = add(matmul(a, self.nodes[2 * i]), self.nodes[2 * i + 1])
            a = relu(z) if i < n_layers - 1 else sigmoid(z)
        return a

    def loss(self, X, Y):
        return binary_cross_entropy(self.forward(X), Y)

    def zero_grad(self):
        for n in self.nodes:
            n.grad = None

    def update(self):
        """Hand the gradients to the Tensors and take tinygrad_edu's Adam step."""
        from tinygrad_edu import Tensor
        for p, n in zip(self.params, self.nodes):
            p.grad = Tensor._make(n.grad, False, None)
        self.opt.step()

    def step(self, X, Y):
        """One forward + backward + Adam update; ``X``, ``Y`` are Nodes."""
        self.zero_grad()
        loss = self.loss(X, Y)
        backward(loss)
        self.update()
        return loss

    def numpy_params(self):
        return [p.numpy() for p in self.params]


def chain(x, consts, n_ops):
    """The B4 chain on floor nodes: ``* c`` / ``+ c`` alternating, ``tanh`` every 10th op."""
    y, dtype = x, x.data.dtype
    for i in range(n_ops):
        if i % 10 == 9:
            y = tanh(y)
        elif i % 2 == 0:
            y = mul(y, const(consts[i], dtype))
        else:
            y = add(y, const(consts[i], dtype))
    return y


def chain_forward_backward(x0, consts, n_ops):
    """The B4 chain on floor nodes; returns (y, dy/dx summed) as arrays."""
    x = Node(np.array(x0), True)
    y = chain(x, consts, n_ops)
    backward(total(y))
    return y.data, x.grad
