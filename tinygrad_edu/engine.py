"""Reverse mode: the chain rule, run backward through the recorded graph.

The whole algorithm is :func:`backpropagate`, one screen long.  Read it
next to micrograd's ``Value.backward`` and HIPS autograd's ``backward_pass``:

1. order the graph so that every tensor comes after its inputs
   (:func:`toposort`, without recursion: a chain of 100,000 ops is fine);
2. seed the roots (d loss / d loss = 1);
3. walk that order backward, outputs first.  When the walk reaches a tensor,
   every gradient it will get has arrived, summed (a tensor used twice gets
   two contributions: the multivariate chain rule adds them).  Keep it if
   it is a result; otherwise hand it to the rule of the op that made the
   tensor, which returns one gradient per input, and add those into the
   inputs' totals.

Everything else happens at the edges, in the functions below the loop and in
their own modules: *how* a rule is run (:func:`rule_on_arrays` for a plain
``backward()``, :func:`rule_on_tensors` when the backward pass is itself
recorded, ``anomaly.checked`` inside ``detect_anomaly``), in-place safety
(``inplace.py``), what becomes of the results (:func:`backward` adds them
into ``.grad``, :func:`grad` returns them), and who is watching
(``recording.Watcher``: ``jit``).
"""
from __future__ import annotations

import numpy as np

from . import anomaly, inplace, kernels, recording

__all__ = ["toposort", "backpropagate", "rule_on_arrays", "rule_on_tensors", "backward", "grad"]


# ---------------------------------------------------------------- the walk ----
def toposort(roots, grad_only=True):
    """Tensors reachable from ``roots`` that require grad, inputs before outputs.

    Collect them with an explicit stack (each tensor once), then sort them by
    when their op was recorded: ``Function.apply`` numbers every op it
    records, and an op's inputs exist before it runs, so that number puts
    inputs first; leaves (made by no op) come first of all.  PyTorch orders
    its work the same way.  An op recorded before an in-place change is first
    pointed back at the values it saw (``inplace.rebase``).  With
    ``grad_only=False`` the tensors that need no gradient come too (graph
    drawings show inputs and constants).
    """
    everything = not grad_only
    found = {r: _recorded_at(r) for r in roots if r._requires_grad or everything}
    stack = list(found)         # found: tensor -> when its op was recorded (-1: a leaf)
    while stack:
        fn = stack.pop()._ctx
        if fn is None:
            continue
        if fn.serial < inplace.last_write:
            inplace.rebase(fn)
        for x in fn.inputs:
            if (x._requires_grad or everything) and x not in found:
                found[x] = -1 if x._ctx is None else x._ctx.serial
                stack.append(x)
    return sorted(found, key=found.__getitem__)


def _recorded_at(t):
    return -1 if t._ctx is None else t._ctx.serial


def backpropagate(roots, seeds, rule, wanted=None, retain_graph=False):
    """Send ``seeds`` back from ``roots``; return ``{tensor: gradient}`` for the leaves,
    the tensors that called ``retain_grad()`` and the ``wanted`` (a set).

    ``rule(fn, grad, out)`` runs one op's derivative rule and returns one
    gradient per input (or None).
    """
    order = toposort(roots)
    grads, results = {}, {}     # tensor -> the sum of the gradients that reached it
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    for t in reversed(order):   # outputs first: every gradient of t has arrived
        g = grads.pop(t, None)
        if g is None:
            continue            # nothing reached t (a gradient can stop at None)
        fn = t._ctx
        if fn is None or t._retain_grad or (wanted and t in wanted):
            results[t] = g      # a result: a leaf's gradient, or one asked for
        if fn is None:
            continue            # a leaf: nothing further back
        for x, gx in zip(fn.inputs, rule(fn, g, t)):   # the chain rule, one local step
            if gx is not None and x._requires_grad:
                grads[x] = grads[x] + gx if x in grads else gx
        if not retain_graph:
            fn.freed = True     # a second backward through fn is refused
    return results


# ------------------------------------------------------------ running a rule --
def rule_on_arrays(fn, grad, out):
    """Run ``fn``'s rule on NumPy arrays: a plain ``backward()``, where nobody will
    differentiate the backward pass, so nothing is recorded and no Tensor is made."""
    if fn.freed or fn.serial < inplace.last_write:
        _check_usable(fn, out)
    if fn.array_backward:           # (local_gradients spelled out: the common case, one call less)
        grads = fn.backward(grad, out._data)
        return grads if type(grads) is tuple else (grads,)
    return local_gradients(fn, grad, out)


def local_gradients(fn, grad, out):
    """``fn``'s rule on arrays, with no check: one gradient (or None) per input."""
    if not fn.array_backward:      # a rule written for Tensors only: wrap, run, unwrap
        grads = _custom_rule(fn, out._make(np.asarray(grad), False, None), out)
        return tuple(None if g is None else g._data for g in grads)
    grads = fn.backward(grad, out._data)
    return grads if type(grads) is tuple else (grads,)


def rule_on_tensors(fn, grad, out):
    """Run ``fn``'s rule on Tensors, so that its ops are recorded (``create_graph=True``)
    or watched (``jit``)."""
    if fn.freed or fn.serial < inplace.last_write:
        _check_usable(fn, out)
    if not fn.array_backward:
        return _custom_rule(fn, grad, out)
    grads = fn.backward(grad, out)
    return grads if type(grads) is tuple else (grads,)


def _check_usable(fn, out):
    """The graph was not freed, and the values ``fn``'s rule reads are the ones it saw."""
    if fn.freed:
        raise RuntimeError(
            f"backward: trying to backward through the graph a second time: the graph of "
            f"{type(fn).__name__} (output shape {out.shape}) was freed by the previous backward(). "
            f"Pass retain_graph=True to the first backward() if you need to call it twice.")
    if fn.serial < inplace.last_write:
        inplace.check(fn, out)


def _custom_rule(fn, grad, out):
    """A user's ``Function.backward``: one gradient per input, each of its input's shape."""
    grads = fn.backward(grad, out)
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    name, n = type(fn).__name__, len(fn.inputs)
    if len(grads) != n:
        raise RuntimeError(
            f"{name}.backward returned {len(grads)} gradient(s) for {n} input(s); return one "
            f"per input of forward, in order (None for an input that needs none).")
    for i, (x, g) in enumerate(zip(fn.inputs, grads)):
        if g is not None and not _is_tensor(g):
            raise TypeError(
                f"{name}.backward returned a {type(g).__name__} as the gradient of input {i}; "
                f"return Tensors (compute with Tensor ops on grad and self.inputs) or None.")
        if g is not None and x._requires_grad and g.shape != x.shape:
            raise RuntimeError(
                f"{name}.backward returned a gradient of shape {g.shape} for an "
                f"input of shape {x.shape}; a gradient must have its input's shape.")
    return grads


def _run(roots, seeds, wanted, retain_graph, create_graph):
    """``backpropagate`` with the rule runner that the situation calls for."""
    on_tensors = create_graph or recording.traces_backward()
    rule = rule_on_tensors if on_tensors else rule_on_arrays
    if anomaly.enabled:
        rule = anomaly.checked(rule)
    if not on_tensors:
        seeds = [s._data for s in seeds]
    before, recording.grad_enabled = recording.grad_enabled, create_graph
    try:
        return backpropagate(roots, seeds, rule, wanted, retain_graph), on_tensors
    finally:
        recording.grad_enabled = before


# ------------------------------------------------------------ entry points ----
def backward(tensor, gradient=None, retain_graph=False, create_graph=False):
    """Accumulate d(tensor)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    See :meth:`tinygrad_edu.Tensor.backward`.
    """
    if not tensor._requires_grad:
        raise RuntimeError(
            f"backward: this tensor (shape {tensor.shape}) does not require grad, so there is no "
            f"graph to differentiate. Create the inputs with requires_grad=True (or call "
            f"x.requires_grad_()), and do not compute the loss inside no_grad().")
    for w in recording.watchers:
        w.backward("create_graph" if create_graph else "backward")
    seed = _seed(tensor, gradient, "backward")
    results, on_tensors = _run([tensor], [seed], None, retain_graph or create_graph, create_graph)
    for t in list(results):
        g = results.pop(t)          # (taken out, so that only g holds an array nobody else has)
        if recording.watchers:
            for w in recording.watchers:
                w.gradient(t, g)
        if not on_tensors:          # the rules ran on arrays (create_graph runs them on Tensors)
            owned = kernels.unshared(g)     # (asked first: an argument list holds g too)
            accumulate(t, g, owned=owned)
        else:
            accumulate(t, g if create_graph else g._data, create_graph)


_array = np.array   # (read once: NumPy's module attributes are not cached at call sites)


def accumulate(t, g, create_graph=False, owned=False):
    """``t.grad += g`` without aliasing arrays that someone else may own.

    ``g`` is an array (a Tensor with ``create_graph``); ``owned`` says that
    nobody else holds it, so that a first gradient can be ``g`` itself rather
    than a copy.  A float32 tensor gets a float32 ``.grad``, even from float64
    math.  Adding to a gradient older than the tensor's last in-place update
    (a forgotten ``zero_grad()``) warns: see ``inplace.grad_is_stale``.
    """
    dtype = t._data.dtype
    if t._grad is not None and inplace.grad_is_stale(t):
        inplace.warn_stale_grad(t)
    if create_graph:
        total = g if t._grad is None else t._grad + g
        t._grad = total if total._data.dtype == dtype else total.astype(dtype)
    elif t._grad is None:
        t._grad = t._make(g if owned and g.dtype == dtype else _array(g, dtype=dtype, copy=True),
                          False, None)
    else:
        t._grad = t._make(np.asarray(t._grad._data + g, dtype=dtype), False, None)
    inplace.stamp_grad(t)


def _seed(t, gradient, where):
    """d(t)/d(t): ones for a one-element ``t``; else the ``gradient`` the caller gives."""
    if gradient is None:
        data = t._data
        if data.size != 1:
            raise RuntimeError(
                f"{where}: grad can be implicitly created only for a scalar output, but this tensor "
                f"has shape {t.shape}. Reduce it first (e.g. loss.mean()) or pass gradient= "
                f"(an array of shape {t.shape}, e.g. Tensor.ones_like(y)).")
        seed = t._make(np.ones(data.shape, dtype=data.dtype), False, None)
        for w in recording.watchers:
            w.constant(seed, 1)
        return seed
    if not _is_tensor(gradient):
        try:
            gradient = type(t)(np.asarray(gradient, dtype=t.dtype))
        except (TypeError, ValueError):
            raise TypeError(f"{where}: gradient must be a Tensor or an array of shape {t.shape}, "
                            f"got {type(gradient).__name__}") from None
    if gradient.shape != t.shape:
        raise RuntimeError(
            f"{where}: gradient has shape {gradient.shape} but the tensor has shape {t.shape}; "
            f"they must match.")
    return gradient


def _is_tensor(x):
    return hasattr(x, "_ctx") and hasattr(x, "_requires_grad")


def _tensor_list(xs, what):
    if _is_tensor(xs):
        return [xs]
    try:
        xs = list(xs)
    except TypeError:
        xs = [xs]
    for x in xs:
        if not _is_tensor(x):
            raise TypeError(f"grad: {what} must be Tensors (or a sequence of Tensors), got "
                            f"{type(x).__name__}")
    return xs


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None,
         allow_unused=False):
    """Return the gradients of ``outputs`` with respect to ``inputs``.

    Unlike ``backward`` it does not touch ``.grad``.  With ``create_graph=True``
    the returned gradients are themselves differentiable tensors, so calling
    ``grad`` again gives second (third, ...) derivatives.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
    grad_outputs : Tensor, array or sequence, optional
        Seed gradients, one per output; needed for non-scalar outputs.
    create_graph : bool
        Record the backward pass so the result can be differentiated again.
    retain_graph : bool, optional
        Keep the graph for another backward; defaults to ``create_graph``.
    allow_unused : bool
        Return None for an input that the outputs do not depend on, instead of
        raising.

    Returns
    -------
    list of Tensor (or None for unused inputs when ``allow_unused``)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor(0.5, requires_grad=True, dtype="float64")
    >>> (dy,) = tg.grad(x.tanh(), x, create_graph=True)        # 1 - tanh^2
    >>> (d2y,) = tg.grad(dy, x)                                # -2 tanh (1 - tanh^2)
    >>> round(dy.item(), 6), round(d2y.item(), 6)
    (0.786448, -0.726862)
    """
    outputs, inputs, seeds = _grad_args(outputs, inputs, grad_outputs)
    for w in recording.watchers:
        w.backward("grad")
    if retain_graph is None:
        retain_graph = create_graph
    results, on_tensors = _run(outputs, seeds, set(inputs), retain_graph, create_graph)
    out = []
    for i, x in enumerate(inputs):
        g = results.get(x)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {x.shape}) was not used to compute the outputs, so it has "
                f"no gradient. Pass allow_unused=True to get None for it.")
        out.append(g if g is None or on_tensors else x._make(np.asarray(g), False, None))
    return out


def _grad_args(outputs, inputs, grad_outputs):
    """``grad``'s arguments checked: lists of output and input Tensors, and one seed per output."""
    outputs = _tensor_list(outputs, "outputs")
    inputs = _tensor_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif _is_tensor(grad_outputs) or isinstance(grad_outputs, np.ndarray):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, o in enumerate(outputs):
        if not o._requires_grad:
            raise RuntimeError(
                f"grad: output {i} (shape {o.shape}) does not require grad; it does not depend on "
                f"any tensor with requires_grad=True.")
    for i, x in enumerate(inputs):
        if not x._requires_grad:
            why = (f"it is {x.dtype}, and integer/bool tensors have no gradient"
                   if x.dtype.kind != "f" else "create it with requires_grad=True")
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad ({why}).")
    return outputs, inputs, [_seed(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
