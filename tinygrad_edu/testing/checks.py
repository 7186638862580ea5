"""Finite-difference gradient checks: ``numerical_grad``, ``gradcheck``, ``gradgradcheck``.

The idea fits in one line: for a small step ``eps``,

    df/dx_j  ~  (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)      (central difference)

with an error of order ``eps**2`` (truncation) plus ``1e-16 / eps`` (rounding).
In float64 with ``eps = 1e-6`` both are around 1e-10; in float32 the rounding
term alone is about 0.1, which is why every check here promotes float inputs
to float64 first.

Kinks.  At a point where ``f`` is not differentiable (relu or abs at 0, a tie
in max/min, the edges of clip) the central difference is meaningless.  The
checks detect such points: they also compute the one-sided differences
``(f(x + eps e_j) - f(x)) / eps`` and ``(f(x) - f(x - eps e_j)) / eps``, which
agree (up to ``eps * f''``) wherever ``f`` is smooth.  Where they disagree, the
entry is measured again with a step of ``eps / 10``: if the two sides agree
there, ``f`` was only strongly curved and the finer central difference is
used.  Where they still disagree, ``f`` has a kink: an
analytic value lying between the two one-sided slopes is accepted (it is a
valid one-sided derivative or subgradient, e.g. relu'(0) = 0, or the even
split of max at a tie), and the element is reported by a :class:`KinkWarning`
(``kinks="warn"``), silently (``kinks="ignore"``), or as a failure
(``kinks="raise"``, for test suites whose inputs are meant to avoid kinks).
An analytic value outside that interval fails, kink or not.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import autograd
from ..tensor import Tensor

__all__ = ["numerical_grad", "gradcheck", "gradgradcheck", "gradcheck_params", "GradcheckError",
           "KinkWarning"]

#: Outputs with at most this many elements get a full Jacobian check; larger
#: ones are checked along ``n_projections`` random output directions.
FULL_JACOBIAN_MAX = 64


class GradcheckError(AssertionError):
    """Analytic and numerical gradients differ (an ``AssertionError``, as in ``numpy.testing``)."""


class KinkWarning(UserWarning):
    """gradcheck met a non-differentiable point (kink) within ``eps`` of an input."""


# ----------------------------------------------------------------- helpers ----
def _as_list(inputs):
    if isinstance(inputs, (list, tuple)):
        return list(inputs), False
    return [inputs], True


def _promote(inputs):
    """Float Tensors become float64 copies (same requires_grad and name); the rest is kept."""
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor(np.array(x.data, dtype=np.float64), name=x.name)
            t.requires_grad = x.requires_grad
            out.append(t)
        else:
            out.append(x)
    return out


def _call(fn, args, what):
    out = fn(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"{what}: fn must return a Tensor, got {type(out).__name__}")
    return out


def _run(fn, args, what):
    """``fn(*args)`` recorded, with NumPy's floating-point warnings off (a nudge may overflow).

    Recording stays on even under ``no_grad``: fn may itself call grad()
    (gradgradcheck, gradient penalties).
    """
    with autograd.enable_grad(), np.errstate(all="ignore"):
        return _call(fn, args, what)


def _check_options(what, fn, kinks, eps, atol, rtol):
    """The arguments every check takes, checked before any work."""
    if not callable(fn):
        raise TypeError(f"{what}: fn must be a callable taking the inputs, got "
                        f"{type(fn).__name__}")
    if kinks not in ("warn", "ignore", "raise"):
        raise ValueError(f"{what}: kinks must be 'warn', 'ignore' or 'raise', got {kinks!r}")
    for name, value, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        ok = isinstance(value, (int, float, np.number)) and np.isfinite(value)
        if not ok or value < 0 or (name == "eps" and value == 0):
            raise ValueError(f"{what}: {name} must be a finite number {low}, got {value!r}")


def _inputs_to_check(inputs, what, hint=" Create the inputs to check with requires_grad=True."):
    """The inputs promoted to float64, and ``{position: input}`` of those that require grad."""
    args = _promote(_as_list(inputs)[0])
    wanted = {i: x for i, x in enumerate(args) if isinstance(x, Tensor) and x.requires_grad}
    if not wanted:
        raise ValueError(f"{what}: no input requires grad, so there is nothing to check.{hint}")
    return args, wanted


def _label(kind, i, x):
    if x.name:
        return f"{kind} {i} ({x.name!r}, shape {x.shape})"
    return f"{kind} {i} (shape {x.shape})"


def _element(symbol, shape, flat):
    if not shape:
        return symbol
    idx = np.unravel_index(flat, shape)
    return f"{symbol}[{', '.join(str(int(i)) for i in idx)}]"


class _Evaluator:
    """``fn`` with one input element nudged, as a flat float64 vector (or its projections)."""

    P = None   # projections of the output (None: the full output)

    def __init__(self, fn, args, what):
        self.fn, self.args, self.what = fn, args, what

    def __call__(self, i=None, flat=None, step=0.0):
        args = list(self.args)
        if i is not None:
            x = args[i]
            data = np.array(x.data, dtype=np.float64)
            data.flat[flat] += step
            args[i] = Tensor._make(data, x.requires_grad, None)
        out = _run(self.fn, args, self.what)
        y = self.last = np.asarray(out.data, dtype=np.float64).reshape(-1)
        return y if self.P is None else self.P @ y


def _differences(evaluate, f0, i, columns, eps):
    """Central, left and right differences for the given elements of input ``i``.

    Each result has shape (rows, len(columns)): column c holds the difference
    quotients of every output row for element ``columns[c]``.
    """
    if len(columns) == 0:
        empty = np.zeros((f0.shape[0], 0))
        return empty, empty, empty
    plus = np.stack([evaluate(i, j, eps) for j in columns], axis=1)
    minus = np.stack([evaluate(i, j, -eps) for j in columns], axis=1)
    with np.errstate(all="ignore"):
        central = (plus - minus) / (2 * eps)
        right = (plus - f0[:, None]) / eps
        left = (f0[:, None] - minus) / eps
    return central, left, right


def _disagree(left, right, atol, rtol, noise):
    with np.errstate(all="ignore"):
        gap = np.abs(right - left)
        return gap > atol + rtol * np.maximum(np.abs(left), np.abs(right)) + noise


def _find_kinks(evaluate, f0, i, num, left, right, eps, atol, rtol, noise):
    """Which entries sit at a kink?  Refines ``num`` in place where the answer is 'no'.

    The one-sided differences of a smooth function differ by about
    ``eps * f''``; at a kink by a jump that does not shrink with the step.  So
    entries whose one-sided differences disagree are measured again with a
    ten times smaller step: if they agree there, the function is smooth at
    that scale (strong curvature, or a kink between eps/10 and eps away) and
    the finer central difference replaces the coarse one.  ``noise`` is the
    rounding error of a difference quotient with step ``eps``: a gap below it
    is not evidence of a kink (it matters for float32 outputs).
    """
    kink = _disagree(left, right, atol, rtol, noise)
    columns = np.flatnonzero(kink.any(axis=0))
    if len(columns):
        fine, l2, r2 = _differences(evaluate, f0, i, columns, eps / 10)
        smooth = kink[:, columns] & ~_disagree(l2, r2, atol, rtol, 10 * noise)
        sub = num[:, columns]
        sub[smooth] = fine[smooth]
        num[:, columns] = sub
        k = kink[:, columns]
        k[smooth] = False
        kink[:, columns] = k
    return kink


# ---------------------------------------------------------- numerical_grad ----
def _weights(given, shape, what, name):
    """``given`` (an array, a Tensor or a number) as float64 weights of an output's elements."""
    w = np.asarray(getattr(given, "data", given), np.float64)
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"{what}: {name} of shape {w.shape} does not broadcast to the output's "
                         f"shape {shape}; give one weight per output element") from None


def numerical_grad(fn, inputs, eps=1e-6, grad_output=None):
    """Gradients of ``fn`` by central differences, in float64.

    For a non-scalar output this is the gradient of ``(fn(*inputs) * grad_output).sum()``
    (``grad_output`` defaults to ones), the same quantity that
    ``fn(*inputs).backward(grad_output)`` puts into ``.grad``.

    Parameters
    ----------
    fn : callable
        Takes the inputs (in order) and returns a Tensor.
    inputs : Tensor or sequence
        Float Tensors are differentiated (their float64 copies are nudged by
        ``+-eps`` one element at a time); anything else is passed to ``fn``
        unchanged and gets ``None``.
    eps : float
        The finite-difference step.
    grad_output : array_like, optional
        The weight of each output element.

    Returns
    -------
    list of np.ndarray (float64, one per input; None for non-float inputs)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import numerical_grad
    >>> x = tg.Tensor([1.0, 2.0])                  # float32 in, float64 out
    >>> [g.round(6) for g in numerical_grad(lambda x: (x ** 3).sum(), x)]
    [array([ 3., 12.])]
    """
    args, single = _as_list(inputs)
    args = _promote(args)
    with autograd.no_grad():
        out = _call(fn, args, "numerical_grad")
    w = (np.ones(out.shape) if grad_output is None
         else _weights(grad_output, out.shape, "numerical_grad", "grad_output"))
    evaluate = _Evaluator(fn, args, "numerical_grad")
    evaluate.P = w.reshape(1, -1)
    grads = []
    for i, x in enumerate(args):
        if not (isinstance(x, Tensor) and x.dtype.kind == "f"):
            grads.append(None)
            continue
        central, _, _ = _differences(evaluate, evaluate(), i, range(x.size), eps)
        grads.append(central[0].reshape(x.shape))
    return grads


# --------------------------------------------------------------- gradcheck ----
def _analytic(out, wanted, rows, P):
    """The Jacobian rows (or their projections) by reverse mode: one backward per row."""
    jac = [np.zeros((rows, x.size)) for x in wanted]
    if not out.requires_grad:          # out does not depend on the inputs: zero Jacobian
        return jac
    for r in range(rows):
        seed = np.zeros(out.size) if P is None else P[r]
        if P is None:
            seed[r] = 1.0
        seed = Tensor._make(seed.reshape(out.shape).astype(out.dtype), False, None)
        gs = autograd.grad(out, wanted, grad_outputs=seed, retain_graph=True, allow_unused=True)
        for k, g in enumerate(gs):
            if g is not None:
                jac[k][r] = np.asarray(g.data, dtype=np.float64).reshape(-1)
    return jac


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, kinks="warn",
              n_projections=2, seed=0, _what="gradcheck"):
    """Check the gradients of ``fn`` (our reverse mode) against finite differences.

    Every input Tensor with ``requires_grad=True`` is checked.  Float inputs
    are promoted to float64 copies first, so call it on float32 models as they
    are.  For an output of at most 64 elements the full Jacobian is compared
    (one backward pass per output element); for a larger output, the
    gradients of ``<u, fn(x)>`` for ``n_projections`` random directions ``u``
    (a wrong Jacobian is caught by a random direction with probability 1).
    Each entry must satisfy ``|analytic - numerical| <= atol + rtol * |numerical|``;
    at a kink (see the module docstring) the analytic value must instead lie
    between the one-sided differences.

    Parameters
    ----------
    fn : callable
        Takes the inputs (in order) and returns one Tensor of any shape.
    inputs : Tensor or sequence
        Tensors with ``requires_grad=True`` are checked; other arguments
        (constant tensors, arrays, numbers) are passed through.
    eps, atol, rtol : float
        Finite-difference step and tolerances.
    raise_exception : bool
        Raise :class:`GradcheckError` on a mismatch (default); else return False.
    kinks : {"warn", "ignore", "raise"}
        What to do at a non-differentiable point within ``eps`` of an input.
    n_projections, seed : int
        Random output directions used for outputs larger than 64 elements,
        and their seed (checks are deterministic).

    Returns
    -------
    bool
        True when the gradients match, False on a mismatch with ``raise_exception=False``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import gradcheck
    >>> class BadSquare(tg.Function):            # d(x^2)/dx is 2x, not x
    ...     def forward(self, x):
    ...         return x * x
    ...     def backward(self, grad, out):
    ...         (x,) = self.inputs
    ...         return grad * x
    >>> x = tg.Tensor([1.0, -3.0], requires_grad=True, name="x")
    >>> gradcheck(BadSquare.apply, x, raise_exception=False)
    False
    """
    _check_options(_what, fn, kinks, eps, atol, rtol)
    args, wanted = _inputs_to_check(inputs, _what)
    out = _run(fn, args, _what)
    return _compare(out, wanted, _Evaluator(fn, args, _what), eps, atol, rtol, raise_exception,
                    kinks, n_projections, seed, _what, "input")


def _compare(out, wanted, evaluate, eps, atol, rtol, raise_exception, kinks, n_projections, seed,
             what, kind):
    """The heart of gradcheck: analytic vs numerical Jacobian (or projections) of ``wanted``."""
    if out.dtype.kind != "f":
        raise TypeError(f"{what}: fn returned a {out.dtype} tensor; only float outputs have "
                        f"gradients")
    if out.size <= FULL_JACOBIAN_MAX:
        P, rows = None, out.size
    else:
        P = np.random.default_rng(seed).standard_normal((n_projections, out.size))
        rows = n_projections
    analytic = _analytic(out, list(wanted.values()), rows, P)
    evaluate.P = P

    failure, kink_notes = None, []
    f0 = evaluate()
    # rounding error of a difference quotient: a few ulps of the output's dtype, over eps
    scale = np.abs(f0) if P is None else np.abs(P) @ np.abs(evaluate.last)
    noise = (8 * np.finfo(out.dtype).eps * (scale + np.finfo(out.dtype).tiny) / eps)[:, None]
    for ana, (i, x) in zip(analytic, wanted.items()):
        num, left, right = _differences(evaluate, f0, i, range(x.size), eps)
        kink = _find_kinks(evaluate, f0, i, num, left, right, eps, atol, rtol, noise)
        with np.errstate(all="ignore"):
            err = np.abs(ana - num)
            allowed = atol + rtol * np.abs(num)
            lo, hi = np.minimum(left, right), np.maximum(left, right)
            between = (ana >= lo - allowed) & (ana <= hi + allowed)
            ok = np.where(kink, between, err <= allowed)
            ok &= np.isfinite(ana) | (ana == num)
            if kinks == "raise":
                ok &= ~kink
            score = np.where(ok, 0.0, np.where(np.isfinite(err), err / allowed, np.inf))
        if kinks == "warn" and (kink & ok).any():
            n = int((kink & ok).sum())
            kink_notes.append(f"{_label(kind, i, x)}: {n} entr{'y' if n == 1 else 'ies'}")
        if failure is None and not ok.all():
            r, j = np.unravel_index(int(np.argmax(np.where(ok, -1.0, score))), score.shape)
            failure = dict(i=i, x=x, r=r, j=j, ana=ana[r, j], num=num[r, j], err=err[r, j],
                           allowed=allowed[r, j], kink=bool(kink[r, j]), left=left[r, j],
                           right=right[r, j], bad=int((~ok).sum()), total=ok.size)
    if kink_notes:
        warnings.warn(f"{what}: non-differentiable point(s) (kinks) within eps={eps} of the "
                      f"{kind}s; "
                      f"the analytic gradient was accepted there because it lies between the "
                      f"one-sided differences: " + "; ".join(kink_notes), KinkWarning, stacklevel=3)
    if failure is None:
        return True
    if not raise_exception:
        return False
    raise GradcheckError(_message(failure, out, P, eps, what, kind))


def _message(f, out, P, eps, what, kind):
    x = f["x"]
    name = x.name or f"{'x' if kind == 'input' else 'p'}{f['i']}"
    wrt = _element(name, x.shape, f["j"])
    if P is None:
        of = _element("out", out.shape, f["r"])
        scope = "Jacobian entries"
    else:
        of = f"<u{f['r']}, out>"
        scope = (f"projected entries (out has {out.size} elements > {FULL_JACOBIAN_MAX}: checked "
                 f"along {P.shape[0]} random output directions u_k)")
    lines = [f"{what} failed for {_label(kind, f['i'], x)}: {f['bad']} of {f['total']} {scope} "
             f"differ "
             f"from finite differences.",
             f"  worst element: d {of} / d {wrt}  ({kind} {f['i']}, index "
             f"{tuple(int(v) for v in np.unravel_index(f['j'], x.shape))})",
             f"    analytic  = {f['ana']:.8g}",
             f"    numerical = {f['num']:.8g}",
             f"    error     = {f['err']:.3g} (allowed: atol + rtol * |numerical| = "
             f"{f['allowed']:.3g})"]
    if f["kink"]:
        lines.append(f"  this entry is at a kink (non-differentiable point within eps={eps}): the "
                     f"one-sided differences are {f['left']:.6g} (left) and {f['right']:.6g} "
                     f"(right)"
                     + ("; with kinks='raise' kinks are failures; make the inputs avoid them"
                        if f['ana'] >= min(f['left'], f['right']) - f['allowed'] and
                        f['ana'] <= max(f['left'], f['right']) + f['allowed'] else
                        "; the analytic value is not between them"))
    if not np.isfinite(f["num"]):
        lines.append("  the numerical value is not finite: fn is not finite at x +- eps; move the "
                     "input inside the function's domain")
    if out.dtype != np.float64:
        lines.append(f"  note: fn returned {out.dtype} although the inputs were promoted to "
                     f"float64; "
                     f"finite differences are only as precise as {out.dtype}")
    if what == "gradgradcheck":
        lines.append("  (second order: this checks the derivative of the vector-Jacobian product "
                     "<v, d out/d inputs> computed with create_graph=True; the last input is v)")
    return "\n".join(lines)


# -------------------------------------------------------- gradcheck_params ----
class _ParamEvaluator(_Evaluator):
    """Evaluate ``fn()`` with one element of a parameter nudged in place (and put back)."""

    def __init__(self, fn, params):
        self.fn, self.params = fn, params

    def __call__(self, i=None, flat=None, step=0.0):
        saved = None
        if i is not None:
            p = self.params[i]
            saved = p._data
            p._data = saved.copy()
            p._data.flat[flat] += step
        try:
            out = _run(self.fn, (), "gradcheck_params")
        finally:
            if saved is not None:
                self.params[i]._data = saved
        y = self.last = np.asarray(out.data, dtype=np.float64).reshape(-1)
        return y if self.P is None else self.P @ y


def gradcheck_params(fn, params, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                     kinks="warn", n_projections=2, seed=0):
    """gradcheck for tensors that ``fn`` reads itself: the parameters of a model.

    ``fn()`` takes no arguments (e.g. ``lambda: loss_fn(model(x), y)``) and
    ``params`` are the tensors to check (e.g. ``model.parameters()``).  For the
    duration of the check each parameter holds a float64 copy of its data
    (nudged in place one element at a time); the original arrays are put back
    afterwards, so the model is left exactly as it was.  Give ``fn`` float64
    data for a meaningful check.  Messages name the parameters by their
    ``.name`` (e.g. ``'dense_1.kernel'``).

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import gradcheck_params
    >>> w = tg.Tensor([[0.5], [-0.3]], requires_grad=True, name="w")
    >>> x = tg.Tensor(np.array([[1.0, 2.0], [0.5, -1.0]]))
    >>> gradcheck_params(lambda: (x @ w).tanh().sum(), [w])
    True
    >>> w.dtype                                         # untouched
    dtype('float32')
    """
    _check_options("gradcheck_params", fn, kinks, eps, atol, rtol)
    params = [params] if isinstance(params, Tensor) else list(params)
    if not params:
        raise ValueError("gradcheck_params: no parameters given")
    for i, p in enumerate(params):
        if not (isinstance(p, Tensor) and p.requires_grad):
            raise ValueError(f"gradcheck_params: parameter {i} must be a Tensor with "
                             f"requires_grad=True")
    originals = [p._data for p in params]
    try:
        for p in params:
            p._data = np.array(p._data, dtype=np.float64)
        out = _run(fn, (), "gradcheck_params")
        return _compare(out, dict(enumerate(params)), _ParamEvaluator(fn, params), eps, atol,
                        rtol, raise_exception, kinks, n_projections, seed, "gradcheck_params",
                        "parameter")
    finally:
        for p, data in zip(params, originals):
            p._data = data


# ----------------------------------------------------------- gradgradcheck ----
def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, kinks="warn", n_projections=2, seed=0):
    """Check second derivatives: gradcheck of the backward pass itself.

    The backward pass computes the vector-Jacobian product
    ``g(x, v) = v^T d fn(x) / dx`` for an upstream gradient ``v``.  Run with
    ``create_graph=True`` it is an ordinary differentiable function of ``x``
    and ``v``, and this checks its gradients with :func:`gradcheck`, which
    exercises every backward rule the way second-order methods (and
    gradient penalties) use them.

    Parameters
    ----------
    grad_outputs : array_like, optional
        The upstream gradient ``v`` (random normal, seeded by ``seed``, when omitted).
    Others : as :func:`gradcheck`.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.testing import gradgradcheck
    >>> x = tg.Tensor([0.3, -1.2, 2.0], requires_grad=True)
    >>> gradgradcheck(lambda x: x.tanh() * x, x)
    True
    """
    _check_options("gradgradcheck", fn, kinks, eps, atol, rtol)
    args, wanted = _inputs_to_check(inputs, "gradgradcheck", hint="")
    wrt = list(wanted)
    out = _run(fn, args, "gradgradcheck")
    if grad_outputs is None:
        v = np.random.default_rng(seed).standard_normal(out.shape)
    else:
        v = _weights(grad_outputs, out.shape, "gradgradcheck", "grad_outputs").copy()
    v = Tensor(v, requires_grad=True, name="v")
    n = len(args)

    def vjp(*a):
        xs, v = a[:n], a[n]
        y = fn(*xs)
        if not y.requires_grad:
            return Tensor._make(np.zeros(sum(xs[i].size for i in wrt)), False, None)
        gs = autograd.grad(y, [xs[i] for i in wrt], grad_outputs=v, create_graph=True,
                           allow_unused=True)
        parts = [g.reshape(-1) if g is not None else Tensor._make(np.zeros(xs[i].size), False, None)
                 for i, g in zip(wrt, gs)]
        from ..derived import cat
        return cat(parts) if len(parts) > 1 else parts[0]

    return gradcheck(vjp, args + [v], eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, kinks=kinks, n_projections=n_projections,
                     seed=seed, _what="gradgradcheck")
