"""The property-test registry: ``Spec`` s of ``Case`` s, and the strategies the specs share.

``tests/test_properties.py`` runs the registered specs (first and second
order, three laws); the specs live there and in ``properties_numpy.py`` (the
NumPy vocabulary and the activations), which register into the same ``SPECS``.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, NamedTuple

import numpy as np
from hypothesis import strategies as st

from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import strategies as ts


class Case(NamedTuple):
    fn: Callable
    inputs: list
    full: list | None = None   # broadcasting ops: the shape each input is broadcast to


@dataclasses.dataclass
class Spec:
    name: str
    targets: tuple
    cases: st.SearchStrategy
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3
    broadcasting: bool = False   # its cases may set Case.full (checked by the broadcasting law)
    examples: int | None = None  # fewer hypothesis examples than the profile's, for costly ops


SPECS: dict[str, Spec] = {}


def spec(name, *targets, **options):
    """Register ``@st.composite`` case builder ``f`` as the property test of ``targets``."""
    def register(f):
        assert name not in SPECS, f"duplicate spec {name}"
        SPECS[name] = Spec(name, targets, st.composite(f)(), **options)
        return f
    return register


SIDE = 3                                    # keep tensors small: the suite must stay fast
T = ts.tensors                              # float64, requires_grad=True, reals in [-3, 3]
no_kink = ts.reals(avoid=(0.0,))
# The numerically safe ops (sigmoid, softmax, log_softmax, logsumexp, BCE on
# logits) are also checked on large inputs, where a naive exp() overflows.
wide = st.one_of(ts.reals(-8, 8), ts.reals(-800, 800))


def shape(draw, **kw):
    kw.setdefault("max_side", SIDE)
    return draw(ts.shapes(**kw))


def bshapes(draw, n=2, **kw):
    kw.setdefault("max_side", SIDE)
    return draw(ts.broadcastable_shapes(n, **kw))


def axis_arg(draw, ndim, allow_tuple=True):
    """None, one axis (maybe negative) or a tuple of distinct axes."""
    options = [st.none()]
    if ndim == 0:                                  # NumPy accepts axis 0 / -1 for a 0-d array
        options.append(st.sampled_from([0, -1]))
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                    unique=True).map(tuple))
    return draw(st.one_of(options))


def untied(draw, *shapes_, min_gap=0.01):
    """Tensors of the given shapes whose values are all pairwise apart (no ties anywhere)."""
    sizes = [int(np.prod(s)) for s in shapes_]
    pool = draw(ts.separated((sum(sizes),), min_gap=min_gap)) if sum(sizes) else np.zeros(0)
    out, start = [], 0
    for s, n in zip(shapes_, sizes):
        out.append(Tensor(pool[start:start + n].reshape(s), requires_grad=True))
        start += n
    return out


def elementwise(draw, fn, n=2, elements=(None, None, None)):
    shapes_ = bshapes(draw, n)
    xs = [draw(T(s, elements=e)) for s, e in zip(shapes_, elements)]
    full = np.broadcast_shapes(*shapes_)
    return Case(fn, xs, [full] * n)
