"""A narrated backward pass: the chain rule, one derivative rule at a time, in the engine's order.

``print(tg.viz.explain(loss))`` tells what ``loss.backward()`` does.  The
rules are run by the engine itself (``engine.backpropagate``, through
:meth:`viz.trace._Trace.walk`, whose rule runner notes each rule as the
engine calls it), so the order is the engine's.  For every rule:

* the rule, as the primitive's docstring states it (``a * b.  d/da = b, d/db = a.``);
* ``grad``, the gradient that arrives at the op's output, d(loss)/d(output);
* for every input, the local step of the chain rule: the formula
  (``grad * b``), the same with the numbers put in, and what flows to the input.

Small tensors are written in full, large ones as shape and statistics
(``viz.numbers``).  The explorer (``viz.explore``) shows these same steps in
its step mode.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([2.0], requires_grad=True, name="x")
>>> y = x * x
>>> y.name = "y"
>>> steps = tg.viz.explain(y)
>>> print(steps[0]["text"])
step 1 of 1: Mul backward
  rule:  a * b. d/da = b, d/db = a.
  grad:  dy/dy = [1]
  -> a = x:  grad * b
       = 1 * 2
       = [2]
  -> b = x:  grad * a
       = 1 * 2
       = [2]   (added to 1 earlier)
>>> steps.results                       # x is used twice: 2 + 2
[('x', '[4]')]
"""
from __future__ import annotations

import re

from ..tensor import Tensor
from .names import _Names, tensor_labels
from .numbers import as_text, describe, operand
from .trace import _Trace

__all__ = ["explain", "Explanation", "FORMULAS", "rule_text"]

#: The local step of each primitive's rule, one formula per input: what it
#: sends back, in terms of ``grad`` (the gradient arriving at the output), the
#: inputs (``a``, ``b``, or ``x``), ``out`` and the exponent ``c``.
FORMULAS = {
    "Add": ("grad", "grad"),
    "Sub": ("grad", "-grad"),
    "Mul": ("grad * b", "grad * a"),
    "Div": ("grad / b", "-grad * out / b"),
    "Pow": ("grad * c * x^(c-1)",),
    "Power": ("grad * b * a^(b-1)", "grad * out * log(a)"),
    "Exp": ("grad * out",),
    "Log": ("grad / x",),
    "Tanh": ("grad * (1 - out^2)",),
    "Sin": ("grad * cos(x)",),
    "Cos": ("-grad * sin(x)",),
    "Erf": ("grad * 2/sqrt(pi) * exp(-x^2)",),
    "Where": ("where(cond, grad, 0)", "where(cond, 0, grad)"),
    "MatMul": ("grad @ b^T", "a^T @ grad"),
    "Sum": ("grad, copied to every element that was summed",),
    "Max": ("grad at the maximum (ties share it)",),
    "Reshape": ("grad, reshaped back",),
    "Transpose": ("grad, with its axes put back",),
    "Expand": ("grad, summed back over the broadcast axes",),
    "GetItem": ("zeros of x's shape, with grad added at the index",),
    "ScatterAdd": ("grad at the index",),
    "Cat": ("this input's slice of grad",),
    "Cast": ("grad, cast back to x's dtype",),
}
_WITH_NUMBERS = {"Add", "Sub", "Mul", "Div", "Pow", "Power", "Exp", "Log", "Tanh", "Sin", "Cos",
                 "Where", "MatMul"}
_BROADCASTING = {"Add", "Sub", "Mul", "Div", "Power", "Where"}
_OPERAND = re.compile(r"\b(grad|out|cond|a|b|x|c)\b")


def rule_text(fn):
    """The derivative rule of ``fn``'s primitive, as its docstring states it, on one line."""
    doc = type(fn).__doc__
    name = type(fn).__name__
    if not doc:
        return f"{name}: a rule of its own (see {name}.backward)"
    paragraphs = [" ".join(p.split()) for p in doc.strip().split("\n\n")]
    text = paragraphs[0]
    if ("d/d" not in text and "gradient" not in text and len(paragraphs) > 1
            and not paragraphs[1].startswith("(")):
        text += " " + paragraphs[1]
    return text.replace("``", "")


def _param_names(n):
    """How the rules call a Function's inputs: ``x``; ``a, b``; or ``x1, x2, ...``."""
    return ("x",) if n == 1 else ("a", "b") if n == 2 else tuple(f"x{i + 1}" for i in range(n))


def _operands(fn, out, grad, params):
    """The arrays a formula may name: grad, out, the inputs, c (Pow) and cond (Where)."""
    env = {"grad": grad, "out": out._data}
    env.update({p: x._data for p, x in zip(params, fn.inputs)})
    for key, attr in (("c", "exponent"), ("cond", "cond")):
        if getattr(fn, attr, None) is not None:
            env[key] = getattr(fn, attr)
    return env


def _substitute(formula, env, max_values):
    """``formula`` with the numbers put in: ``grad * b`` becomes ``0.5 * (-2)``."""
    def number(m):
        name = m.group(1)
        if name not in env:
            return name
        text = operand(env[name], max_values)
        return f"({text})" if text.startswith("-") and m.start() > 0 else text
    return _OPERAND.sub(number, formula)


def _flow(k, pos, fn, out, ctx):
    """What Function ``k``'s rule sends to its input ``pos``, as a dict (see ``Explanation``)."""
    x, op = fn.inputs[pos], type(fn).__name__
    param = ctx["params"][pos]
    formulas = FORMULAS.get(op, ())
    formula = formulas[pos] if pos < len(formulas) else f"{op}.backward"
    flow = {"position": pos, "param": param, "input": ctx["labels"][id(x)],
            "input_id": f"T{ctx['tid'][id(x)]}", "formula": formula,
            "needs_grad": bool(x._requires_grad), "substituted": "", "result": None,
            "result_text": "", "earlier": 0}
    gx = ctx["walk"].edges.get((k, pos))
    if gx is None:
        return flow
    if op in _WITH_NUMBERS:
        flow["substituted"] = _substitute(formula, ctx["env"], ctx["max_values"])
    if op in _BROADCASTING and x.shape != out.shape:
        flow["formula"] += f", summed to {param}'s shape {tuple(x.shape)}"
    flow["result"] = describe(gx, ctx["max_values"])
    flow["result_text"] = as_text(flow["result"])
    flow["earlier"] = ctx["received"].get(id(x), 0)
    ctx["received"][id(x)] = flow["earlier"] + 1
    return flow


def _flow_lines(f):
    """The lines of one flow: formula, with numbers, result."""
    head = f"  -> {f['param']} = {f['input']}:"
    if not f["needs_grad"]:
        return [head + "  needs no gradient"]
    if f["result"] is None:
        return [head + "  no gradient comes back"]
    lines = [f"{head}  {f['formula']}"]
    if f["substituted"] and f["substituted"] != f["formula"]:
        lines.append(f"       = {f['substituted']}")
    earlier = f"   (added to {f['earlier']} earlier)" if f["earlier"] else ""
    lines.append(f"       = {f['result_text']}{earlier}")
    return lines


def _step(n, total, k, grad, trace, ctx):
    """Step ``n`` of ``total``: Function ``k``'s rule, run on ``grad``, as a dict with ``text``."""
    fn, out = trace.fns[k]
    ctx["params"] = _param_names(len(fn.inputs))
    ctx["env"] = _operands(fn, out, grad, ctx["params"])
    scope = "/".join(getattr(fn, "scope", ()) or ())
    step = {"index": n, "fn": f"F{k}", "op": type(fn).__name__, "scope": scope,
            "rule": rule_text(fn), "output": ctx["labels"][id(out)],
            "output_id": f"T{ctx['tid'][id(out)]}", "grad_in": describe(grad, ctx["max_values"]),
            "flows": [_flow(k, pos, fn, out, ctx) for pos in range(len(fn.inputs))]}
    step["grad_in_text"] = as_text(step["grad_in"])
    lines = [f"step {n} of {total}: {step['op']} backward" + (f"   [{scope}]" if scope else ""),
             f"  rule:  {step['rule']}",
             f"  grad:  d{ctx['root']}/d{step['output']} = {step['grad_in_text']}"]
    for f in step["flows"]:
        lines += _flow_lines(f)
    step["text"] = "\n".join(lines)
    return step


class Explanation:
    """The chain-rule steps of one backward pass; ``print`` it, or read ``steps``.

    Attributes
    ----------
    steps : list of dict
        One per derivative rule, in the engine's order: ``index`` (from 1),
        ``fn`` (``'F<k>'``, the explorer's id of the op), ``op``, ``scope``,
        ``rule``, ``output`` (the tensor's name), ``grad_in`` (the gradient
        arriving, as ``viz.numbers.describe`` gives it) and ``flows``, one
        per input: ``param`` (``a``), ``input`` (its name), ``formula``,
        ``substituted``, ``result``, ``earlier`` (gradients the input got
        before this one) -- and ``text``, the step as printed.
    results : list of (str, str)
        Each leaf that requires grad, with what ``backward()`` adds to its ``.grad``.
    """

    def __init__(self, header, steps, results):
        self.header, self.steps, self.results = header, steps, results

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __str__(self):
        parts = [self.header, ""] + [s["text"] + "\n" for s in self.steps]
        parts.append("results, what backward() adds into .grad:")
        parts += [f"  {name}: {text}" for name, text in self.results]
        return "\n".join(parts)

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def _roots(roots):
    """The roots as a list of Tensors without repeats; at least one requires grad."""
    if len(roots) == 1 and isinstance(roots[0], (list, tuple)):
        roots = tuple(roots[0])
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("explain: give the Tensors whose backward pass to explain, e.g. "
                        "explain(loss)")
    if not any(r._requires_grad for r in roots):
        raise ValueError("explain: no root requires grad, so backward() would have nothing to "
                         "do. Create the parameters with requires_grad=True.")
    return list(dict.fromkeys(roots))


def explain(*roots, params=None, inputs=None, max_values=16):
    """The chain-rule steps of ``backward()`` from ``roots``, in the order the engine runs them.

    Parameters
    ----------
    *roots : Tensor
        Usually the loss (seeded with ones, as ``backward()`` seeds a scalar).
        Works before or after ``backward()``; ``.grad`` is not touched.
    params, inputs : optional
        Names, as for :func:`draw_graph`.
    max_values : int
        Tensors with at most this many entries are written in full.

    Returns
    -------
    Explanation
        Prints as text; ``.steps`` holds the same as dicts.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([0.5, -1.0], requires_grad=True, name="w")
    >>> loss = (w * w).sum()
    >>> loss.name = "loss"
    >>> e = tg.viz.explain(loss)
    >>> [s["op"] for s in e], e.results
    (['Sum', 'Mul'], [('w', '[1, -2]')])
    """
    roots = _roots(roots)
    trace = _Trace(roots)
    return _explanation(trace, trace.walk(), tensor_labels(trace, _Names(params, inputs)), roots,
                        max_values)


def _explanation(trace, walk, labels, roots, max_values):
    """:func:`explain` for a trace already walked (the explorer walks it once for both)."""
    ctx = {"walk": walk, "labels": labels, "max_values": max_values, "received": {},
           "tid": {id(t): i for i, t in enumerate(trace.tensors)},
           "root": labels[id(roots[0])] if len(roots) == 1 else "(roots)"}
    total = len(walk.order)
    steps = [_step(n, total, k, grad, trace, ctx) for n, (k, grad) in enumerate(walk.order, 1)]
    seeds = ", ".join(f"d{labels[id(r)]}/d{labels[id(r)]} = "
                      f"{'1' if r.size == 1 else 'ones' + str(tuple(r.shape))}"
                      for r in roots if r._requires_grad)
    header = (f"The backward pass: {total} derivative rules, in the order the engine runs them "
              f"(engine.backpropagate).\nseed: {seeds}")
    results = [(labels[id(t)], as_text(describe(walk.totals[id(t)], max_values)))
               for t in trace.tensors
               if trace.is_leaf(t) and t._requires_grad and id(t) in walk.totals]
    return Explanation(header, steps, results)
