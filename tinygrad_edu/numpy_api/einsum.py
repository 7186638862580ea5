"""``einsum``: Einstein summation, as transposes, reshapes, sums and MatMuls.

``einsum("ij,jk->ik", a, b)`` names each axis with a letter; letters shared
by two operands are multiplied elementwise, letters missing from the output
are summed.  It is computed in three kinds of steps, all primitives:

1. per operand: a repeated letter (``"ii"``) takes a diagonal (``GetItem``);
   a letter no other operand and not the output uses is summed (``Sum``);
   axes of size 1 are broadcast to their letter's size (``Expand``);
2. operands are contracted two at a time, left to right: shared letters
   still needed later are *batch* axes, the other shared letters are summed;
   both operands are transposed to (batch, own, summed) and (batch, summed,
   own), reshaped to 3-D and multiplied by one ``MatMul``;
3. the result is transposed to the output's order.

``...`` stands for the axes not named (broadcast, as in NumPy); without
``->`` the output is the ``...`` axes and then the letters used once, in
alphabetical order (NumPy's implicit mode).
"""
from __future__ import annotations

import string

import numpy as np

from .. import derived as D
from ..recording import composite
from ._common import tensor
from .linalg import diagonal

__all__ = ["einsum"]

_LETTERS = set(string.ascii_letters)


def _terms(subscripts, ndims):
    """The operands' letter strings and the output's, with ``...`` spelled out."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {subscripts!r} has {len(terms)} operand terms but "
                         f"{len(ndims)} operands were given")
    for t in terms + [output]:
        if set(t.replace("...", "", 1)) - _LETTERS:
            raise ValueError(f"einsum: invalid term {t!r} in {subscripts!r}: use letters a-z, "
                             f"A-Z and at most one '...'")
    spare = [c for c in string.ascii_letters if c not in spec]
    width = max([nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims) if "..." in t] + [0])
    ell = "".join(spare[:width])           # the letters ``...`` stands for, broadcast right-aligned
    spelled = []
    for t, nd in zip(terms, ndims):
        k = nd - len(t.replace("...", ""))
        if k < 0 or (k and "..." not in t):
            raise ValueError(f"einsum: term {t!r} names {len(t.replace('...', ''))} axes but its "
                             f"operand has {nd}")
        spelled.append(t.replace("...", ell[width - k:] if k else ""))
    if arrow:
        output = output.replace("...", ell)
    else:
        letters = "".join(spelled)
        output = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    if len(set(output)) != len(output) or set(output) - set("".join(spelled)):
        raise ValueError(f"einsum: output {output!r} of {subscripts!r} repeats a letter or uses "
                         f"one no operand has")
    return spelled, output


def _take_diagonals(x, term):
    """Repeated letters of one operand: keep the diagonal (the letter moves to the end)."""
    while len(set(term)) < len(term):
        c = next(c for c in term if term.count(c) > 1)
        i, j = term.index(c), term.index(c, term.index(c) + 1)
        if x.shape[i] != x.shape[j]:
            raise ValueError(f"einsum: letter {c!r} is repeated in one operand with sizes "
                             f"{x.shape[i]} and {x.shape[j]}")
        x = diagonal(x, 0, i, j)        # (axes i and j go; the diagonal is the last axis)
        term = "".join(term[k] for k in range(len(term)) if k not in (i, j)) + c
    return x, term


def _sizes(operands, terms, subscripts):
    """Each letter's size; sizes 1 broadcast, any other mismatch is an error."""
    sizes = {}
    for x, term in zip(operands, terms):
        for c, n in zip(term, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: letter {c!r} of {subscripts!r} has sizes {sizes[c]} and "
                                 f"{n} (shapes {[o.shape for o in operands]})")
            sizes[c] = max(sizes.get(c, 1), n)
    return sizes


def _contract(a, ta, b, tb, keep, sizes):
    """Contract two operands with one batched MatMul; returns the result and its letters."""
    batch = [c for c in ta if c in tb and c in keep]
    summed = [c for c in ta if c in tb and c not in keep]
    own_a = [c for c in ta if c not in tb]
    own_b = [c for c in tb if c not in ta]

    def size(letters):
        return int(np.prod([sizes[c] for c in letters]))

    left = D.transpose(a, *[ta.index(c) for c in batch + own_a + summed]) if a.ndim > 1 else a
    right = D.transpose(b, *[tb.index(c) for c in batch + summed + own_b]) if b.ndim > 1 else b
    left = left.reshape(size(batch), size(own_a), size(summed))
    right = right.reshape(size(batch), size(summed), size(own_b))
    out = (left @ right).reshape(tuple(sizes[c] for c in batch + own_a + own_b))
    return out, "".join(batch + own_a + own_b)


@composite
def einsum(subscripts, *operands):
    """Einstein summation over the letters of ``subscripts``, as ``np.einsum``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> a, b = tg.Tensor.ones(2, 3), tg.Tensor.ones(3, 4)
    >>> tg.einsum("ij,jk->ik", a, b).shape                # a matrix product
    (2, 4)
    >>> tg.einsum("ii", tg.Tensor([[1.0, 2.0], [3.0, 4.0]]))   # the trace
    Tensor(5., shape=(), dtype=float32)
    >>> tg.einsum("...j,...j->...", tg.Tensor.ones(5, 3), tg.Tensor.ones(3)).shape
    (5,)
    """
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    first = tensor(operands[0])
    operands = [first] + [tensor(x, first) for x in operands[1:]]
    terms, output = _terms(subscripts, [x.ndim for x in operands])
    pairs = [_take_diagonals(x, t) for x, t in zip(operands, terms)]
    sizes = _sizes([x for x, _ in pairs], [t for _, t in pairs], subscripts)
    prepared = []
    for k, (x, t) in enumerate(pairs):
        others = output + "".join(u for j, (_, u) in enumerate(pairs) if j != k)
        lonely = [i for i, c in enumerate(t) if c not in others]
        if lonely:                                       # summed here, needed nowhere else
            x, t = D.sum(x, axis=tuple(lonely)), "".join(c for c in t if c in others)
        full = tuple(sizes[c] for c in t)
        prepared.append((D.expand(x, full) if x.shape != full else x, t))
    x, t = prepared[0]
    for k in range(1, len(prepared)):
        keep = output + "".join(u for _, u in prepared[k + 1:])
        x, t = _contract(x, t, *prepared[k], keep, sizes)
    return D.transpose(x, *[t.index(c) for c in output]) if len(output) > 1 else x
