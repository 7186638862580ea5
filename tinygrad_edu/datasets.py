"""Toy data sets and data utilities, with scikit-learn's semantics (and no scikit-learn).

``make_circles``, ``make_moons`` and ``train_test_split`` follow
scikit-learn's algorithms step by step and use ``np.random.RandomState``
seeded with ``random_state`` the same way, so for the same ``random_state``
they give the same arrays as scikit-learn.  With ``random_state=None`` they
draw a seed from tinygrad_edu's global generator (see
:func:`tinygrad_edu.manual_seed`).

Examples
--------
>>> from tinygrad_edu.datasets import make_circles, train_test_split
>>> X, y = make_circles(1000, factor=0.3, noise=0.1, random_state=42)
>>> X.shape, y.shape, int(y.sum())        # outer ring label 0, inner ring label 1
((1000, 2), (1000,), 500)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1, random_state=42)
>>> len(X_train), len(X_test)
(900, 100)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .random import get_rng

__all__ = ["make_circles", "make_moons", "train_test_split", "iterate_minibatches"]


def _random_state(random_state, where):
    """scikit-learn's ``check_random_state``; None draws a seed from the global generator."""
    if random_state is None:
        return np.random.RandomState(int(get_rng().integers(0, 2 ** 32)))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(0, 2 ** 32)))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2 ** 32:
            raise ValueError(f"{where}: random_state must be in [0, 2**32), got {random_state}")
        return np.random.RandomState(int(random_state))
    raise TypeError(f"{where}: random_state must be None, an int or a np.random.RandomState, "
                    f"got {type(random_state).__name__}")


def _split_counts(n_samples, where):
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        if n_samples < 1:
            raise ValueError(f"{where}: n_samples must be >= 1, got {n_samples}")
        return n_samples // 2, n_samples - n_samples // 2
    try:
        n_out, n_in = n_samples
    except (TypeError, ValueError):
        raise ValueError(f"{where}: n_samples must be an int or a pair (n_outer, n_inner), got "
                         f"{n_samples!r}") from None
    if not all(isinstance(k, numbers.Integral) and k >= 0 for k in (n_out, n_in)):
        raise ValueError(f"{where}: (n_outer, n_inner) must be non-negative ints, got {n_samples!r}")
    return int(n_out), int(n_in)


def _check_noise(noise, where):
    if noise is not None and not (isinstance(noise, numbers.Real) and noise >= 0):
        raise ValueError(f"{where}: noise must be None or a number >= 0, got {noise!r}")


def _shuffle(X, y, rs):
    # scikit-learn's utils.shuffle: a permutation of arange by RandomState.shuffle
    idx = np.arange(X.shape[0])
    rs.shuffle(idx)
    return X[idx], y[idx]


def _label_shuffle_noise(X, n_out, n_in, shuffle, noise, rs):
    """Label the first ``n_out`` points 0 and the rest 1, shuffle, add Gaussian noise
    (in scikit-learn's order of random draws, so the same seed gives the same data)."""
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        X, y = _shuffle(X, y, rs)
    if noise is not None:
        X += rs.normal(scale=noise, size=X.shape)
    return X, y


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A large circle containing a smaller one: a binary problem no line can separate.

    Parameters
    ----------
    n_samples : int or (int, int)
        Total points (split evenly, the outer circle gets the smaller half), or
        ``(n_outer, n_inner)``.
    shuffle : bool
        Shuffle the samples (otherwise the outer circle comes first).
    noise : float, optional
        Standard deviation of Gaussian noise added to the points.
    random_state : int, RandomState or None
    factor : float in [0, 1)
        Radius of the inner circle relative to the outer one (radius 1).

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64: 0 for the outer circle, 1 for the inner.
    """
    if not (isinstance(factor, numbers.Real) and 0 <= factor < 1):
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    _check_noise(noise, "make_circles")
    n_out, n_in = _split_counts(n_samples, "make_circles")
    rs = _random_state(random_state, "make_circles")
    lin_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    lin_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(lin_out), np.cos(lin_in) * factor),
                   np.append(np.sin(lin_out), np.sin(lin_in) * factor)]).T
    return _label_shuffle_noise(X, n_out, n_in, shuffle, noise, rs)


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles (label 0: upper moon, label 1: lower moon).

    Parameters and returns as :func:`make_circles` (without ``factor``).
    """
    _check_noise(noise, "make_moons")
    n_out, n_in = _split_counts(n_samples, "make_moons")
    rs = _random_state(random_state, "make_moons")
    X = np.vstack([np.append(np.cos(np.linspace(0, np.pi, n_out)),
                             1 - np.cos(np.linspace(0, np.pi, n_in))),
                   np.append(np.sin(np.linspace(0, np.pi, n_out)),
                             1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5)]).T
    return _label_shuffle_noise(X, n_out, n_in, shuffle, noise, rs)


def _n_test_train(n, test_size, train_size):
    """scikit-learn's ``_validate_shuffle_split``."""
    if test_size is None and train_size is None:
        test_size = 0.25

    def check(size, name):
        if size is None:
            return
        if isinstance(size, bool) or not isinstance(size, numbers.Real):
            raise TypeError(f"train_test_split: {name} must be a float, an int or None, got "
                            f"{type(size).__name__}")
        if isinstance(size, numbers.Integral):
            if not 1 <= size < n:
                raise ValueError(f"train_test_split: {name}={size} must be in [1, {n - 1}] for "
                                 f"{n} samples")
        elif not 0 < size < 1:
            raise ValueError(f"train_test_split: {name}={size} must be in (0, 1) as a fraction")

    check(test_size, "test_size")
    check(train_size, "train_size")
    if (isinstance(test_size, float) and isinstance(train_size, float)
            and test_size + train_size > 1):
        raise ValueError(f"train_test_split: test_size + train_size = {test_size + train_size} "
                         f"> 1")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif test_size is not None:
        n_test = math.ceil(test_size * n)
    if isinstance(train_size, numbers.Integral):
        n_train = int(train_size)
    elif train_size is not None:
        n_train = math.floor(train_size * n)
    if train_size is None:
        n_train = n - n_test
    elif test_size is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(f"train_test_split: train ({n_train}) + test ({n_test}) samples exceed "
                         f"the {n} samples available")
    if n_train == 0 or n_test == 0:
        raise ValueError(f"train_test_split: with {n} samples, test_size={test_size} and "
                         f"train_size={train_size} leave an empty set; adjust the sizes")
    return n_test, n_train


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True):
    """Split arrays into random train and test subsets, as scikit-learn does.

    Parameters
    ----------
    *arrays : array_like
        Arrays with the same first dimension (e.g. ``X, y``).
    test_size, train_size : float, int or None
        Fractions (0..1) or counts; by default 25% goes to the test set.
        A fractional test size is rounded up, a fractional train size down.
    random_state : int, RandomState or None
    shuffle : bool
        Without shuffling, the first samples train and the next ones test.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]`` -- two entries per array.
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    arrays = [np.asarray(a) for a in arrays]
    lengths = [a.shape[0] if a.ndim else None for a in arrays]
    if None in lengths:
        raise ValueError("train_test_split: scalars cannot be split; pass arrays of samples")
    if len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: the arrays have different numbers of samples: "
                         f"{lengths}")
    n = lengths[0]
    n_test, n_train = _n_test_train(n, test_size, train_size)
    if shuffle:
        perm = _random_state(random_state, "train_test_split").permutation(n)
        test, train = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    out = []
    for a in arrays:
        out += [a[train], a[test]]
    return out


def iterate_minibatches(*arrays, batch_size=32, shuffle=True, seed=None, drop_last=False):
    """Yield minibatches ``(x_batch, y_batch, ...)`` over arrays with a common first axis.

    Parameters
    ----------
    *arrays : ndarray
    batch_size : int
    shuffle : bool
        Visit the samples in a random order (one permutation per call).
    seed : int, optional
        Seed for that permutation; otherwise the global generator is used.
    drop_last : bool
        Skip the final batch when it is smaller than ``batch_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from tinygrad_edu.datasets import iterate_minibatches
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for xb, yb in iterate_minibatches(x, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    if not arrays:
        raise ValueError("iterate_minibatches: at least one array is required")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"iterate_minibatches: batch_size must be an integer >= 1, got "
                         f"{batch_size!r}")
    arrays = [np.asarray(a) for a in arrays]
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    for a in arrays:
        if a.ndim == 0 or a.shape[0] != n:
            raise ValueError(f"iterate_minibatches: the arrays have different numbers of samples: "
                             f"{[a.shape[0] if a.ndim else None for a in arrays]}")
    order = (np.random.default_rng(seed) if seed is not None else get_rng()).permutation(n) \
        if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            batch = tuple(a[start:start + batch_size] for a in arrays)
        else:
            idx = order[start:start + batch_size]
            batch = tuple(a[idx] for a in arrays)
        yield batch
