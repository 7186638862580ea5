"""tinygrad_edu.datasets: scikit-learn's semantics without scikit-learn.

The reference values below were produced by scikit-learn 1.9.1 (outside this
project) with the same arguments; our NumPy implementation reproduces them
bit for bit.
"""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_edu as tg
from tinygrad_edu.datasets import iterate_minibatches, make_circles, make_moons, train_test_split


def test_make_circles_matches_scikit_learn():
    X, y = make_circles(1000, factor=0.3, noise=0.1, random_state=42)
    np.testing.assert_array_equal(X[:3], [[0.2294176237603437, 0.15427756135050513],
                                          [-0.18537287277951614, 0.12595496448859864],
                                          [-0.3699683186394668, 0.28098477790953286]])
    assert y[:10].tolist() == [1, 1, 1, 1, 0, 1, 1, 1, 1, 0]
    assert X.sum() == pytest.approx(-4.173262456033982, abs=1e-12)
    assert X.shape == (1000, 2) and y.shape == (1000,) and y.sum() == 500
    X3, y3 = make_circles((10, 7), factor=0.5, random_state=3)
    assert y3.tolist() == [1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1]


def test_make_moons_matches_scikit_learn():
    X, y = make_moons(200, noise=0.2, random_state=1)
    np.testing.assert_array_equal(X[:3], [[-0.3141092872730133, 0.8956765019195224],
                                          [0.39443921654807157, 1.302716847022653],
                                          [0.4860650357585278, 0.9761016416517732]])
    assert y[:10].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0, 1]
    assert X.sum() == pytest.approx(154.2367797299852, abs=1e-10)


def test_circles_geometry_outer_label_0_inner_label_1():
    X, y = make_circles(101, factor=0.3, shuffle=False)
    r = np.hypot(X[:, 0], X[:, 1])
    assert (y[:50] == 0).all() and (y[50:] == 1).all()            # outer gets n // 2
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    Xm, ym = make_moons(10, shuffle=False)
    assert (ym[:5] == 0).all() and Xm[:5, 1].min() >= 0            # upper moon is label 0


def test_datasets_are_deterministic_and_follow_manual_seed():
    a = make_circles(50, noise=0.1, random_state=0)[0]
    b = make_circles(50, noise=0.1, random_state=0)[0]
    assert np.array_equal(a, b)
    tg.manual_seed(5)
    c = make_moons(50, noise=0.1)[0]
    tg.manual_seed(5)
    d = make_moons(50, noise=0.1)[0]
    assert np.array_equal(c, d)
    e = make_circles(50, noise=0.1, random_state=np.random.RandomState(0))[0]
    assert np.array_equal(a, e)


def test_dataset_argument_errors():
    with pytest.raises(ValueError, match="factor must be in"):
        make_circles(10, factor=1.0)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        make_circles(0)
    with pytest.raises(TypeError, match="random_state"):
        make_circles(10, random_state="x")


def test_train_test_split_matches_scikit_learn():
    X, y = make_circles(1000, factor=0.3, noise=0.1, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1, random_state=42)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (900, 100, 900, 100)
    np.testing.assert_array_equal(X_train[:2], [[0.09484038103416478, 1.1179295719438302],
                                                [-1.0721248704327746, -0.42038839170504566]])
    assert y_train[:10].tolist() == [0, 0, 1, 1, 0, 0, 1, 0, 0, 1]
    assert y_test[:10].tolist() == [1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
    a = np.arange(10)
    assert [s.tolist() for s in train_test_split(a, test_size=0.33, random_state=0)] == \
        [[1, 6, 7, 3, 0, 5], [2, 8, 4, 9]]                          # ceil(3.3) = 4 test samples
    assert [s.tolist() for s in train_test_split(a, train_size=0.5, test_size=3, random_state=0)] \
        == [[9, 1, 6, 7, 3], [2, 8, 4]]
    assert [s.tolist() for s in train_test_split(a, test_size=0.25, shuffle=False)] == \
        [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]]
    assert [len(s) for s in train_test_split(np.arange(7))] == [5, 2]  # default 25%


def test_train_test_split_keeps_rows_together():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=1)
    assert (Xtr[:, 0] // 2 == ytr).all() and (Xte[:, 0] // 2 == yte).all()
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(10))


def test_train_test_split_errors():
    with pytest.raises(ValueError, match="different numbers of samples"):
        train_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match=r"must be in \(0, 1\)"):
        train_test_split(np.zeros(5), test_size=1.5)
    with pytest.raises(ValueError, match=r"must be in \[1, 4\]"):
        train_test_split(np.zeros(5), test_size=5)
    with pytest.raises(ValueError, match="exceed"):
        train_test_split(np.zeros(5), test_size=3, train_size=3)
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()


def test_iterate_minibatches():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    batches = list(iterate_minibatches(x, y, batch_size=3, seed=0))
    assert [len(b[1]) for b in batches] == [3, 3, 3, 1]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    for xb, yb in batches:
        assert (xb[:, 0] // 2 == yb).all()
    again = np.concatenate([b[1] for b in iterate_minibatches(x, y, batch_size=3, seed=0)])
    assert np.array_equal(seen, again)
    assert [len(b[0]) for b in iterate_minibatches(x, batch_size=4, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        list(iterate_minibatches(x, batch_size=0))
    with pytest.raises(ValueError, match="different numbers of samples"):
        list(iterate_minibatches(x, y[:5]))


@given(n=st.integers(2, 60), frac=st.floats(0.01, 0.99), seed=st.integers(0, 2 ** 32 - 1),
       shuffle=st.booleans())
def test_train_test_split_is_a_partition_with_sklearn_sizes(n, frac, seed, shuffle):
    n_test = math.ceil(frac * n)
    a = np.arange(n)
    if n_test >= n:
        with pytest.raises(ValueError, match="empty set"):
            train_test_split(a, test_size=frac, random_state=seed, shuffle=shuffle)
        return
    train, test = train_test_split(a, test_size=frac, random_state=seed, shuffle=shuffle)
    assert len(test) == n_test and len(train) == n - n_test
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(n))
    if not shuffle:
        assert train.tolist() == list(range(n - n_test))
