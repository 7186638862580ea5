"""Property-test specs of ``ops.Erf`` (and, to come, the NumPy vocabulary and the
activations).

Imported by ``tests/test_properties.py``, which runs every registered spec
(first and second order against finite differences, in float64, and the
laws).  These ops are many and some are dear (einsum, kron), so each spec
takes a few examples (``examples=``) rather than the profile's full count.
"""
from __future__ import annotations

from property_registry import Case, T, shape, spec
from tinygrad_edu import ops
from tinygrad_edu.testing import strategies as ts

FEW = 8                                    # examples per spec (second order: half)


def unary(name, fn, elements=None, targets=None, examples=FEW):
    """Register the spec of a one-input elementwise op on ``elements``."""
    @spec(name, *(targets or (fn,)), examples=examples)
    def _cases(draw):
        return Case(fn, [draw(T(shape(draw), elements=elements))])


unary("Erf", ops.Erf.apply, ts.reals(-5, 5), (ops.Erf,))        # all three of its ranges
