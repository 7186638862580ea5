"""Property tests of every differentiable op: first and second order, plus three laws.

The registry ``SPECS`` (``property_registry.py``) maps a test name to a
``Spec``: the op(s) it covers (``targets``) and a hypothesis strategy of
``Case`` s (a function of some tensors, the float64 tensors themselves and, for
broadcasting ops, the shape each input is broadcast to).  The specs of the
primitives, ``derived`` and ``nn.functional`` are below; those of the NumPy
vocabulary and the activations are in ``properties_numpy.py``.
``test_every_op_has_a_property_test`` walks ``ops.PRIMITIVES`` and the
``__all__`` of ``derived``, ``numpy_api``, ``activations`` and
``nn.functional``: adding an op without adding a spec fails the suite.

Inputs avoid kinks by construction (``ts.reals(avoid=...)``, ``ts.separated``),
and every check runs with ``kinks="raise"``, so a strategy that strays onto a
kink fails loudly instead of being excused.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

import properties_numpy  # noqa: F401 - registers the NumPy-vocabulary and activation specs
import tinygrad_edu as tg
from property_registry import (SIDE, SPECS, Case, T, axis_arg, bshapes, elementwise, no_kink,
                               shape, spec, untied, wide)
from tinygrad_edu import activations, numpy_api, ops
from tinygrad_edu import conv as C
from tinygrad_edu import derived as D
from tinygrad_edu.autograd import toposort
from tinygrad_edu.nn import functional as F
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck, gradgradcheck
from tinygrad_edu.testing import strategies as ts

import conv_property_specs as CS


# ================================================================ primitives ===
@spec("Add", ops.Add, broadcasting=True)
def _add(draw):
    return elementwise(draw, ops.Add.apply)


@spec("Mul", ops.Mul, broadcasting=True)
def _mul(draw):
    return elementwise(draw, ops.Mul.apply)


@spec("Sub", ops.Sub, broadcasting=True)
def _sub_primitive(draw):
    return elementwise(draw, ops.Sub.apply)


@spec("Div", ops.Div, broadcasting=True)
def _div_primitive(draw):
    return elementwise(draw, ops.Div.apply, elements=(None, ts.reals(avoid=(0.0,), margin=0.5)))


@spec("Pow", ops.Pow)
def _pow(draw):
    c = draw(st.sampled_from([2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5]))
    elements = ts.reals(avoid=(0.0,), margin=0.3) if float(c).is_integer() else ts.positives()
    x = draw(T(shape(draw), elements=elements))
    return Case(lambda x: ops.Pow.apply(x, exponent=c), [x])


@spec("Power", ops.Power, broadcasting=True)
def _power(draw):
    return elementwise(draw, ops.Power.apply, elements=(ts.positives(), ts.reals(-2, 2)))


@spec("Exp", ops.Exp, D.exp)
def _exp(draw):
    return Case(draw(st.sampled_from([ops.Exp.apply, D.exp])), [draw(T(shape(draw)))])


@spec("Log", ops.Log, D.log)
def _log(draw):
    x = draw(T(shape(draw), elements=ts.positives()))
    return Case(draw(st.sampled_from([ops.Log.apply, D.log])), [x])


@spec("Tanh", ops.Tanh, D.tanh)
def _tanh(draw):
    return Case(draw(st.sampled_from([ops.Tanh.apply, D.tanh])), [draw(T(shape(draw)))])


@spec("Sin", ops.Sin, D.sin)
def _sin(draw):
    return Case(draw(st.sampled_from([ops.Sin.apply, D.sin])), [draw(T(shape(draw)))])


@spec("Cos", ops.Cos, D.cos)
def _cos(draw):
    return Case(draw(st.sampled_from([ops.Cos.apply, D.cos])), [draw(T(shape(draw)))])


@spec("Where", ops.Where, broadcasting=True)
def _where_primitive(draw):
    sc, sa, sb = bshapes(draw, 3)
    cond = draw(ts.arrays(sc, np.bool_, st.booleans()))
    full = np.broadcast_shapes(sc, sa, sb)
    return Case(lambda a, b: ops.Where.apply(a, b, cond=cond), [draw(T(sa)), draw(T(sb))],
                [full, full])


@spec("MatMul", ops.MatMul)
def _matmul_primitive(draw):
    """The primitive takes equal batch dimensions (``a @ b`` expands broadcast ones first)."""
    sa, sb = draw(ts.matmul_shapes(max_side=SIDE, vectors=False))
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    sa, sb = batch + sa[-2:], batch + sb[-2:]
    return Case(ops.MatMul.apply, [draw(T(sa)), draw(T(sb))])


@spec("Sum", ops.Sum)
def _sum_primitive(draw):
    x = draw(T(shape(draw)))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: ops.Sum.apply(x, axis=axis, keepdims=keepdims), [x])


@spec("Max", ops.Max)
def _max_primitive(draw):
    (x,) = untied(draw, shape(draw))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: ops.Max.apply(x, axis=axis, keepdims=keepdims), [x])


def _reshape_target(draw, s):
    n = int(np.prod(s))
    return draw(st.sampled_from([(n,), (1, n), (n, 1), tuple(reversed(s)), s + (1,), (1,) + s]))


@spec("Reshape", ops.Reshape)
def _reshape_primitive(draw):
    x = draw(T(shape(draw)))
    new = _reshape_target(draw, x.shape)
    return Case(lambda x: ops.Reshape.apply(x, shape=new), [x])


@spec("Transpose", ops.Transpose)
def _transpose_primitive(draw):
    x = draw(T(shape(draw)))
    axes = draw(st.one_of(st.none(), st.permutations(range(x.ndim)).map(tuple)))
    return Case(lambda x: ops.Transpose.apply(x, axes=axes), [x])


@spec("Expand", ops.Expand, broadcasting=True)
def _expand_primitive(draw):
    s, other = bshapes(draw, 2)
    full = np.broadcast_shapes(s, other)
    return Case(lambda x: ops.Expand.apply(x, shape=full), [draw(T(s))], [full])


@spec("GetItem", ops.GetItem)
def _getitem(draw):
    x = draw(T(shape(draw)))
    index = draw(ts.indices(x.shape))
    return Case(lambda x: ops.GetItem.apply(x, index=index), [x])


@spec("ScatterAdd", ops.ScatterAdd)
def _scatter_add(draw):
    s = shape(draw)
    index = draw(ts.indices(s))
    g = draw(T(np.empty(s)[index].shape))
    return Case(lambda g: ops.ScatterAdd.apply(g, index=index, shape=s), [g])


@spec("Cat", ops.Cat, D.cat)
def _cat(draw):
    s = shape(draw, min_dims=1)
    axis = draw(st.integers(-len(s), len(s) - 1))
    k = draw(st.integers(1, 3))
    shapes_ = [s[:axis % len(s)] + (draw(st.integers(1, SIDE)),) + s[axis % len(s) + 1:]
               for _ in range(k)]
    xs = [draw(T(si)) for si in shapes_]
    fn = draw(st.sampled_from([lambda *t: ops.Cat.apply(*t, axis=axis),
                               lambda *t: D.cat(t, axis=axis)]))
    return Case(fn, xs)


# float64 -> float32 rounds at 6e-8 relative: a step of 1e-2 keeps the rounding
# noise of the difference quotient near 1e-5 (the function is linear, so a big
# step costs no truncation error).
@spec("Cast", ops.Cast, D.astype, eps=1e-2, atol=1e-4, rtol=1e-3)
def _cast(draw):
    fn = draw(st.sampled_from([lambda x: ops.Cast.apply(x, dtype=np.float32),
                               lambda x: D.astype(x, "float32") * 2]))
    return Case(fn, [draw(T(shape(draw)))])


# ================================================================== derived ===
@spec("neg", D.neg)
def _neg(draw):
    return Case(D.neg, [draw(T(shape(draw)))])


@spec("sub", D.sub, broadcasting=True)
def _sub(draw):
    return elementwise(draw, D.sub)


@spec("div", D.div, broadcasting=True)
def _div(draw):
    return elementwise(draw, D.div, elements=(None, ts.reals(avoid=(0.0,), margin=0.5)))


@spec("pow", D.pow, broadcasting=True)
def _pow_derived(draw):
    if draw(st.booleans()):                                   # tensor exponent: ops.Power
        return elementwise(draw, D.pow, elements=(ts.positives(), ts.reals(-2, 2)))
    c = draw(st.sampled_from([2, 0.5, -1.5]))
    x = draw(T(shape(draw), elements=ts.positives()))
    return Case(lambda x: D.pow(x, c), [x])


@spec("sqrt", D.sqrt)
def _sqrt(draw):
    return Case(D.sqrt, [draw(T(shape(draw), elements=ts.positives()))])


@spec("abs", D.abs)
def _abs(draw):
    return Case(D.abs, [draw(T(shape(draw), elements=no_kink))])


@spec("sum_to", D.sum_to)
def _sum_to(draw):
    small, other = bshapes(draw, 2)
    full = np.broadcast_shapes(small, other)
    return Case(lambda x: D.sum_to(x, small), [draw(T(full))])


@spec("sum", D.sum)
def _sum(draw):
    x = draw(T(shape(draw)))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    if isinstance(axis, tuple) and draw(st.booleans()):
        axis = list(axis)
    return Case(lambda x: D.sum(x, axis, keepdims), [x])


@spec("mean", D.mean)
def _mean(draw):
    x = draw(T(shape(draw)))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: D.mean(x, axis, keepdims), [x])


def _spread(draw):
    """Untied values and a reduction over >= 2 of them: var > 0, so std is differentiable."""
    (x,) = untied(draw, shape(draw, min_dims=1, min_side=2))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return x, axis, keepdims, draw(st.sampled_from([0, 1]))


@spec("var", D.var)
def _var(draw):
    x, axis, keepdims, ddof = _spread(draw)
    return Case(lambda x: D.var(x, axis, keepdims, ddof), [x])


@spec("std", D.std)
def _std(draw):
    x, axis, keepdims, ddof = _spread(draw)
    return Case(lambda x: D.std(x, axis, keepdims, ddof), [x])


@spec("max", D.max)
def _max(draw):
    (x,) = untied(draw, shape(draw))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: D.max(x, axis, keepdims), [x])


@spec("min", D.min)
def _min(draw):
    (x,) = untied(draw, shape(draw))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: D.min(x, axis, keepdims), [x])


@spec("sign", D.sign)
def _sign(draw):                     # a step: its gradient is 0 away from 0, as PyTorch's
    return Case(D.sign, [draw(T(shape(draw), elements=no_kink))])


@spec("relu", D.relu)
def _relu(draw):
    return Case(D.relu, [draw(T(shape(draw), elements=no_kink))])


@spec("leaky_relu", D.leaky_relu)
def _leaky_relu(draw):
    slope = draw(st.sampled_from([0.01, 0.2, -0.5]))
    return Case(lambda x: D.leaky_relu(x, slope), [draw(T(shape(draw), elements=no_kink))])


@spec("sigmoid", D.sigmoid)
def _sigmoid(draw):                                            # smooth: 0 is not avoided
    return Case(D.sigmoid, [draw(T(shape(draw), elements=wide))])


def _along_axis(draw):
    x = draw(T(shape(draw, min_dims=1), elements=wide))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@spec("softmax", D.softmax)
def _softmax(draw):
    x, axis = _along_axis(draw)
    return Case(lambda x: D.softmax(x, axis), [x])


@spec("log_softmax", D.log_softmax)
def _log_softmax(draw):
    x, axis = _along_axis(draw)
    return Case(lambda x: D.log_softmax(x, axis), [x])


@spec("logsumexp", D.logsumexp)
def _logsumexp(draw):
    x = draw(T(shape(draw), elements=wide))
    axis, keepdims = axis_arg(draw, x.ndim), draw(st.booleans())
    return Case(lambda x: D.logsumexp(x, axis, keepdims), [x])


@spec("clip", D.clip)
def _clip(draw):
    lo = draw(st.sampled_from([None, -1.0, -0.25]))
    hi = draw(st.sampled_from([None, 1.0, 0.5]))
    edges = tuple(e for e in (lo, hi) if e is not None)
    x = draw(T(shape(draw), elements=ts.reals(avoid=edges)))
    return Case(lambda x: D.clip(x, lo, hi), [x])


def _two_untied(draw, fn):
    sa, sb = bshapes(draw, 2)
    full = np.broadcast_shapes(sa, sb)
    return Case(fn, untied(draw, sa, sb), [full, full])


@spec("maximum", D.maximum, broadcasting=True)
def _maximum(draw):
    return _two_untied(draw, D.maximum)


@spec("minimum", D.minimum, broadcasting=True)
def _minimum(draw):
    return _two_untied(draw, D.minimum)


@spec("where", D.where, broadcasting=True)
def _where(draw):
    sc, sa, sb = bshapes(draw, 3)
    cond = draw(ts.arrays(sc, np.bool_, st.booleans()))
    full = np.broadcast_shapes(sc, sa, sb)
    if draw(st.booleans()):
        return Case(lambda a: tg.where(cond, a, 0.5), [draw(T(sa))])
    return Case(lambda a, b: D.where(cond, a, b), [draw(T(sa)), draw(T(sb))], [full, full])


@spec("matmul", D.matmul)
def _matmul(draw):
    sa, sb = draw(ts.matmul_shapes(max_side=SIDE))
    fn = draw(st.sampled_from([D.matmul, lambda a, b: a @ b]))
    return Case(fn, [draw(T(sa)), draw(T(sb))])


@spec("stack", D.stack)
def _stack(draw):
    s = shape(draw)
    xs = [draw(T(s)) for _ in range(draw(st.integers(1, 3)))]
    axis = draw(st.integers(-len(s) - 1, len(s)))
    return Case(lambda *t: D.stack(t, axis), xs)


@spec("flatten", D.flatten)
def _flatten(draw):
    x = draw(T(shape(draw)))
    if x.ndim == 0:
        return Case(D.flatten, [x])
    start = draw(st.integers(0, x.ndim - 1))
    end = draw(st.integers(start, x.ndim - 1)) - draw(st.sampled_from([0, x.ndim]))
    return Case(lambda x: D.flatten(x, start, end), [x])


@spec("squeeze", D.squeeze)
def _squeeze(draw):
    x = draw(T(shape(draw, max_side=2)))
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    axis = draw(st.one_of(st.none(), st.sampled_from(ones))) if ones else None
    return Case(lambda x: D.squeeze(x, axis), [x])


@spec("unsqueeze", D.unsqueeze)
def _unsqueeze(draw):
    x = draw(T(shape(draw)))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))
    return Case(lambda x: D.unsqueeze(x, axis), [x])


@spec("expand", D.expand, broadcasting=True)
def _expand(draw):
    s, other = bshapes(draw, 2)
    full = np.broadcast_shapes(s, other)
    return Case(lambda x: D.expand(x, *full), [draw(T(s))], [full])


@spec("permute", D.permute)
def _permute(draw):
    x = draw(T(shape(draw, min_dims=1)))
    axes = draw(st.permutations(range(x.ndim)))
    return Case(lambda x: D.permute(x, *axes), [x])


@spec("transpose", D.transpose)
def _transpose(draw):
    x = draw(T(shape(draw)))
    if draw(st.booleans()) or x.ndim == 0:
        return Case(lambda x: D.transpose(x), [x])
    axes = tuple(a - x.ndim * draw(st.booleans()) for a in draw(st.permutations(range(x.ndim))))
    return Case(lambda x: D.transpose(x, axes), [x])


@spec("swapaxes", D.swapaxes)
def _swapaxes(draw):
    x = draw(T(shape(draw, min_dims=1)))
    a, b = (draw(st.integers(-x.ndim, x.ndim - 1)) for _ in range(2))
    return Case(lambda x: D.swapaxes(x, a, b), [x])


@spec("reshape", D.reshape)
def _reshape(draw):
    x = draw(T(shape(draw)))
    new = list(_reshape_target(draw, x.shape))
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return Case(lambda x: D.reshape(x, *new), [x])


# ============================================== convolution and pooling (conv) ===
# Their case builders are in conv_property_specs.py (they return (fn, inputs)).
for _name, _targets, _build in CS.SPECS:
    spec(_name, *_targets)(lambda draw, build=_build: Case(*build(draw)))

# ==================================================== losses (nn.functional) ===
probabilities = ts.reals(0.05, 0.95)
targets01 = ts.reals(0.0, 1.0)


def _pred_target(draw, pred_elements, target_elements):
    """Shapes (n, k) with the same target, or (n, 1) with a target of shape (n,) (aligned)."""
    n = draw(st.integers(1, 4))
    ps = draw(st.sampled_from([(n, 1), (n, 2), (n,)]))
    ys = (n,) if ps == (n, 1) and draw(st.booleans()) else ps
    return draw(T(ps, elements=pred_elements)), draw(T(ys, elements=target_elements))


@spec("binary_cross_entropy", F.binary_cross_entropy)
def _bce(draw):
    return Case(F.binary_cross_entropy, list(_pred_target(draw, probabilities, targets01)))


# Smooth everywhere, z = 0 included (its relu and abs kinks cancel): 0 is not avoided.
@spec("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits)
def _bce_logits(draw):
    z_elements = st.one_of(st.just(0.0), wide)
    return Case(F.binary_cross_entropy_with_logits, list(_pred_target(draw, z_elements, targets01)))


@spec("mse_loss", F.mse_loss)
def _mse(draw):
    return Case(F.mse_loss, list(_pred_target(draw, None, None)))


@spec("cross_entropy", F.cross_entropy)
def _cross_entropy(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    logits = draw(T((n, k)))
    if draw(st.booleans()):
        labels = draw(ts.arrays((n,), np.int64, st.integers(0, k - 1)))
        return Case(lambda z: F.cross_entropy(z, labels), [logits])
    return Case(F.cross_entropy, [logits, draw(T((n, k), elements=targets01))])


@spec("pick_labels", F.pick_labels)
def _pick_labels(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    dtype = draw(st.sampled_from([np.int64, np.int32, np.float64]))   # floats: whole numbers
    labels = draw(ts.arrays((n,), dtype, st.integers(0, k - 1)))
    labels = labels.reshape(n, 1) if draw(st.booleans()) else labels
    return Case(lambda x: F.pick_labels(x, labels, "test"), [draw(T((n, k)))])


@spec("categorical_cross_entropy", F.categorical_cross_entropy)
def _cce(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    p = draw(T((n, k), elements=probabilities))
    return Case(F.categorical_cross_entropy, [p, draw(T((n, k), elements=targets01))])


@spec("align_target", F.align_target)
def _align_target(draw):
    pred, target = _pred_target(draw, None, None)
    return Case(lambda y: F.align_target(pred, y, "test") * 1.5, [target])


@spec("linear", F.linear)
def _linear(draw):
    return Case(F.linear, [draw(T(shape(draw)))])


# =================================================================== registry ===
#: Public names that are not differentiable functions of tensors, with the reason.
NOT_DIFFERENTIABLE: dict[str, str] = {
    "conv.conv_output_size": "integer arithmetic on sizes (no tensors)",
    "conv.same_padding": "integer arithmetic on sizes (no tensors)",
    **{f"numpy_api.{name}": "masks and integers: bools out, or bits of ints (tests/test_logical.py)"
       for name in numpy_api.logical.__all__ if name != "floor_divide"},
}


def public_ops():
    """(qualified name, object) for every primitive and every exported derived/functional op."""
    for cls in ops.PRIMITIVES:
        yield f"ops.{cls.__name__}", cls
    for name in D.__all__:
        yield f"derived.{name}", getattr(D, name)
    for name in numpy_api.__all__:
        yield f"numpy_api.{name}", getattr(numpy_api, name)
    for name in activations.__all__:
        yield f"activations.{name}", getattr(activations, name)
    for name in C.__all__:
        yield f"conv.{name}", getattr(C, name)
    for name in F.__all__:
        yield f"nn.functional.{name}", getattr(F, name)


def missing_property_tests():
    covered = {id(t) for s in SPECS.values() for t in s.targets}
    return [name for name, obj in public_ops()
            if id(obj) not in covered and name not in NOT_DIFFERENTIABLE]


def test_every_op_has_a_property_test():
    missing = missing_property_tests()
    assert not missing, (f"ops without a property test: {missing}. Add a @spec case builder in "
                         f"tests/test_properties.py (or list the name in NOT_DIFFERENTIABLE with "
                         f"the reason).")


def test_a_new_op_without_a_property_test_is_reported(monkeypatch):
    def softplus(x):
        return (x.exp() + 1).log()

    class Erf(tg.Function):
        pass

    monkeypatch.setattr(D, "softplus", softplus, raising=False)
    monkeypatch.setattr(D, "__all__", D.__all__ + ["softplus"])
    monkeypatch.setattr(ops, "PRIMITIVES", ops.PRIMITIVES + (Erf,))
    assert missing_property_tests() == ["ops.Erf", "derived.softplus"]


def test_registry_has_no_stale_entries():
    public = {id(obj) for _, obj in public_ops()}
    stale = [s.name for s in SPECS.values() for t in s.targets if id(t) not in public]
    assert not stale and set(NOT_DIFFERENTIABLE) <= {n for n, _ in public_ops()}, stale


def _recorded_primitives(out):
    return {type(t.grad_fn) for t in toposort([out]) if t.grad_fn is not None}


# ============================================================ property tests ===
NAMES = sorted(SPECS)


def examples(s, share=1):
    """Settings giving spec ``s`` its examples: the active profile's (tests/conftest.py),
    capped by ``s.examples`` for costly ops, divided by ``share``.  Second-order checks
    cost several first-order ones; they get half."""
    n = settings.default.max_examples if s.examples is None else min(
        s.examples, settings.default.max_examples)
    return settings(max_examples=max(5 if s.examples is None else 3, n // share))


@pytest.mark.parametrize("name", NAMES)
def test_first_order(name):
    s = SPECS[name]
    primitives = {t for t in s.targets if isinstance(t, type)}

    @examples(s)
    @given(s.cases)
    def check(case):
        assert gradcheck(case.fn, case.inputs, eps=s.eps, atol=s.atol, rtol=s.rtol, kinks="raise")
        assert case.full is None or s.broadcasting, "set broadcasting=True on this spec"
        if primitives and case.inputs:  # the case really exercises the primitive it claims
            out = case.fn(*case.inputs)
            assert out.size == 0 or primitives <= _recorded_primitives(out)
    check()


@pytest.mark.parametrize("name", NAMES)
def test_second_order(name):
    s = SPECS[name]

    @examples(s, share=2)
    @given(s.cases)
    def check(case):
        assert gradgradcheck(case.fn, case.inputs, eps=s.eps, atol=s.atol, rtol=s.rtol,
                             kinks="raise")
    check()


# ====================================================================== laws ===
def _vjp(out, xs, v):
    gs = tg.grad(out, xs, grad_outputs=Tensor(v.astype(out.dtype)), retain_graph=True,
                 allow_unused=True)
    return [np.zeros(x.shape) if g is None else g.numpy().astype(np.float64)
            for x, g in zip(xs, gs)]


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_linear_in_upstream_gradient(name):
    """vjp(a v1 + b v2) = a vjp(v1) + b vjp(v2): backward is a linear map of the upstream grad."""
    s = SPECS[name]

    @examples(s)
    @given(s.cases, st.floats(-3, 3), st.floats(-3, 3), st.integers(0, 2 ** 32 - 1))
    def check(case, a, b, seed):
        rng = np.random.default_rng(seed)
        out = case.fn(*case.inputs)
        v1, v2 = rng.standard_normal((2,) + out.shape)
        lhs = _vjp(out, case.inputs, a * v1 + b * v2)
        rhs = [a * g1 + b * g2 for g1, g2 in zip(_vjp(out, case.inputs, v1),
                                                  _vjp(out, case.inputs, v2))]
        tol = 1e-9 if out.dtype == np.float64 else 1e-4
        for l_, r_ in zip(lhs, rhs):
            np.testing.assert_allclose(l_, r_, rtol=tol, atol=tol * (1 + np.abs(r_).max(initial=0)))
    check()


@pytest.mark.parametrize("name", NAMES)
def test_dot_product_identity(name):
    """<J v, u> = <v, J^T u>: a forward-difference JVP agrees with our VJP (the adjoint)."""
    s = SPECS[name]

    @examples(s)
    @given(s.cases, st.integers(0, 2 ** 32 - 1))
    def check(case, seed):
        rng = np.random.default_rng(seed)
        xs = case.inputs
        out = case.fn(*xs)
        u = rng.standard_normal(out.shape)
        vs = [rng.standard_normal(x.shape) for x in xs]
        h = s.eps
        with tg.no_grad():
            moved = case.fn(*[Tensor(x.numpy() + h * v) for x, v in zip(xs, vs)])
        jv = (moved.numpy().astype(np.float64) - out.numpy()) / h        # forward difference
        lhs = float(np.sum(jv * u))
        rhs = sum(float(np.sum(v * g)) for v, g in zip(vs, _vjp(out, xs, u)))
        scale = np.linalg.norm(u) * np.sqrt(sum(np.sum(v * v) for v in vs))
        assert abs(lhs - rhs) <= s.rtol * (abs(lhs) + abs(rhs)) + s.atol * (1 + scale), (lhs, rhs)
    check()


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1),
                 keepdims=True).reshape(shape)


BROADCASTING = [n for n in NAMES if SPECS[n].broadcasting]


@pytest.mark.parametrize("name", BROADCASTING)
def test_broadcasting_reduces_gradients_by_summation(name):
    """Broadcasting x is using it several times: its gradient is the sum over the copies.

    The gradient of an implicitly broadcast input equals the gradient of the
    same input explicitly copied to the full shape, summed back over the
    broadcast axes.
    """
    s = SPECS[name]

    @examples(s)
    @given(s.cases, st.integers(0, 2 ** 32 - 1))
    def check(case, seed):
        assume(case.full is not None and any(x.shape != f for x, f in zip(case.inputs, case.full)))
        out = case.fn(*case.inputs)
        u = np.random.default_rng(seed).standard_normal(out.shape)
        implicit = _vjp(out, case.inputs, u)
        for i, (x, full) in enumerate(zip(case.inputs, case.full)):
            if x.shape == full:
                continue
            copied = Tensor(np.broadcast_to(x.numpy(), full).copy(), requires_grad=True)
            args = list(case.inputs)
            args[i] = copied
            out2 = case.fn(*args)
            np.testing.assert_allclose(out2.numpy(), out.numpy())
            (g_full,) = _vjp(out2, [copied], u)
            np.testing.assert_allclose(implicit[i], _sum_to(g_full, x.shape), rtol=1e-10,
                                       atol=1e-12)
    check()


def test_broadcasting_law_covers_the_broadcasting_primitives():
    """Primitives that broadcast (the ops._Broadcasting subclasses) must feed the law above.
    (MatMul does not broadcast: ``a @ b`` expands batch dimensions before it.)"""
    needed = {c for c in ops.PRIMITIVES if issubclass(c, ops._Broadcasting)}
    covered = {t for n in BROADCASTING for t in SPECS[n].targets}
    assert needed <= covered, needed - covered


# ============================================= the suite catches real bugs ===
def _tanh_affine_backward(self, grad, out):      # vjp(v) = J^T v + c: not linear in v
    return grad * (1 - out * out) + 1e-3


def _tanh_frozen_backward(self, grad, out):      # right values, but a constant: no 2nd order
    values = out.numpy() if isinstance(out, Tensor) else out
    return grad * ops.constant(1 - values ** 2, out)


def _exp_off_backward(self, grad, out):          # 1% off
    return grad * out * 1.01


def _add_broadcast_backward(self, grad, out):    # 1e-4 off only for a broadcast input: below
    a, b = self.inputs                           # gradcheck's rtol, caught by the law
    gb = ops.sum_to(grad, b.shape)
    return ops.sum_to(grad, a.shape), (gb * 1.0001 if b.shape != out.shape else gb)


MUTANTS = {
    "linearity": (ops.Tanh, _tanh_affine_backward,
                  lambda: test_backward_is_linear_in_upstream_gradient("Tanh")),
    "second order": (ops.Tanh, _tanh_frozen_backward, lambda: test_second_order("Tanh")),
    "first order": (ops.Exp, _exp_off_backward, lambda: test_first_order("Exp")),
    "dot product": (ops.Exp, _exp_off_backward, lambda: test_dot_product_identity("Exp")),
    "broadcasting": (ops.Add, _add_broadcast_backward,
                     lambda: test_broadcasting_reduces_gradients_by_summation("Add")),
}


@pytest.mark.parametrize("law", sorted(MUTANTS))
def test_each_property_catches_a_planted_bug(law, monkeypatch):
    """Each property test fails when a backward rule is broken in the way it guards against."""
    op, backward, run = MUTANTS[law]
    monkeypatch.setattr(op, "backward", backward)
    profile = settings.get_current_profile_name()
    settings.register_profile("planted-bug", settings.get_profile(profile),
                              phases=[Phase.explicit, Phase.generate])   # no shrinking: faster
    settings.load_profile("planted-bug")
    try:
        with pytest.raises(AssertionError):
            run()
    finally:
        settings.load_profile(profile)


def test_gradcheck_alone_misses_the_broadcasting_bug(monkeypatch):
    monkeypatch.setattr(ops.Add, "backward", _add_broadcast_backward)
    test_first_order("Add")


# ======================================================= fixed bugs, kept as regressions ===
def test_bce_with_logits_at_zero():
    z = Tensor([0.0, 0.0], requires_grad=True, dtype="float64")
    y = Tensor([1.0, 0.0], dtype="float64")
    assert gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, y), z)


def test_cross_entropy_target_gradient():
    logits = Tensor([[0.2, -0.4, 1.0]], dtype="float64")
    target = Tensor([[0.1, 0.3, 0.6]], requires_grad=True, dtype="float64")
    assert gradcheck(lambda t: F.cross_entropy(logits, t), target)


@pytest.mark.parametrize("reduce", ["sum", "max", "mean", "logsumexp", "softmax"])
def test_reducing_a_0d_tensor_over_axis_0(reduce):
    x = Tensor(2.0, requires_grad=True, dtype="float64")
    assert gradcheck(lambda x: getattr(x, reduce)(axis=0), x)
