"""One global random generator, so that ``manual_seed`` makes every run repeatable.

Every random creation in tinygrad_edu (``Tensor.randn``, weight initialisers,
shuffling in ``fit``, dropout-like masks) draws from :func:`get_rng`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "get_rng", "seed_from"]

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> _ = tg.manual_seed(0); a = tg.Tensor.randn(3)
    >>> _ = tg.manual_seed(0); b = tg.Tensor.randn(3)
    >>> bool((a == b).all())
    True
    """
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng() -> np.random.Generator:
    """The global generator (reseeded by :func:`manual_seed`)."""
    return _rng


def seed_from(seed=None) -> np.random.Generator:
    """A generator for ``seed``: a fresh one when given, else the global one."""
    return _rng if seed is None else np.random.default_rng(seed)
