"""Losses in nn.functional: values, derived gradients, shape alignment, extreme inputs."""
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing import gradcheck

RNG = np.random.default_rng(5)


def leaf(data):
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def bce_ref(p, y, eps=1e-7):
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_bce_value_and_clipping():
    p = np.array([[0.9], [0.2], [0.0], [1.0]])
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), y).item(), bce_ref(p, y), rtol=1e-7)
    assert np.isfinite(F.binary_cross_entropy(Tensor(p), y).item())


def test_bce_of_no_samples_is_nan_as_the_mean_of_none():
    """Its count was clamped to 1, so it read 0 where mse (a mean) reads NaN."""
    empty = Tensor(np.zeros((0, 1), np.float32))
    with np.errstate(invalid="ignore"):
        assert np.isnan(F.binary_cross_entropy(empty, empty).item())
        assert np.isnan(F.mse_loss(empty, empty).item())


def test_bce_after_sigmoid_derives_dz_equals_yhat_minus_y():
    """The article's dZ^[L] = Y_hat - Y (divided by m, because the loss is a mean)."""
    z = leaf(RNG.standard_normal((8, 1)))
    y = (RNG.random((8, 1)) > 0.5).astype(np.float64)
    y_hat = z.sigmoid()
    F.binary_cross_entropy(y_hat, y).backward()
    np.testing.assert_allclose(z.grad.data, (y_hat.data - y) / 8, rtol=1e-9, atol=1e-12)


def test_bce_with_logits_matches_bce_and_stays_finite():
    z = RNG.standard_normal((6, 1)) * 3
    y = (RNG.random((6, 1)) > 0.5).astype(np.float64)
    a = F.binary_cross_entropy_with_logits(Tensor(z), y).item()
    b = F.binary_cross_entropy(Tensor(z).sigmoid(), y).item()
    np.testing.assert_allclose(a, b, rtol=1e-7)
    big = leaf([[1e4], [-1e4], [1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(big, np.array([[0.0], [0.0], [1.0]]))
        loss.backward()
    np.testing.assert_allclose(loss.item(), 1e4 / 3)
    np.testing.assert_allclose(big.grad.data, [[1 / 3], [0], [0]])


@pytest.mark.parametrize("loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.mse_loss])
def test_losses_gradcheck(loss):
    p = leaf(RNG.uniform(0.05, 0.95, (5, 1)))
    y = RNG.uniform(0, 1, (5, 1))
    assert gradcheck(lambda t: loss(t, y), [p])


def test_target_shapes_are_aligned_not_broadcast():
    p = Tensor(np.array([[0.9], [0.2], [0.6]]))
    y_flat = np.array([1.0, 0.0, 1.0])
    aligned = F.binary_cross_entropy(p, y_flat).item()
    np.testing.assert_allclose(aligned, bce_ref(p.data, y_flat[:, None]))
    np.testing.assert_allclose(F.mse_loss(Tensor(y_flat), p).item(), np.mean((y_flat - p.data[:, 0]) ** 2))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: prediction shape \(3, 1\) and target shape \(2,\)"):
        F.binary_cross_entropy(p, np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="mse_loss"):
        F.mse_loss(Tensor(np.zeros((3, 2))), np.zeros((2, 3)))


def test_mse():
    a, b = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    np.testing.assert_allclose(F.mse_loss(Tensor(a), b).item(), np.mean((a - b) ** 2))


def test_cross_entropy_integer_and_one_hot_labels_agree():
    logits = leaf(RNG.standard_normal((5, 3)))
    labels = np.array([0, 2, 1, 1, 0])
    one_hot = np.eye(3)[labels]
    a = F.cross_entropy(logits, labels)
    b = F.cross_entropy(logits, one_hot)
    ref = -np.mean(np.log(np.exp(logits.data) / np.exp(logits.data).sum(1, keepdims=True))[range(5), labels])
    np.testing.assert_allclose([a.item(), b.item()], [ref, ref])
    assert gradcheck(lambda t: F.cross_entropy(t, labels), [logits])
    a.backward()
    sm = np.exp(logits.data) / np.exp(logits.data).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.data, (sm - one_hot) / 5)   # softmax - onehot, derived
    with pytest.raises(ValueError, match="labels must be in"):
        F.cross_entropy(logits, np.array([0, 3, 1, 1, 0]))
    # Float class indices (PyTorch: "expected scalar type Long") are named as such, not as
    # a shape mismatch with the probabilities they are not.
    with pytest.raises(ValueError, match=r"labels of shape \(5,\) and dtype float64 for logits "
                                         r"of shape \(5, 3\): class indices must be integers"):
        F.cross_entropy(logits, labels.astype(np.float64))
    with pytest.raises(ValueError, match="integer labels must have shape"):
        F.cross_entropy(logits, np.array([0, 1]))


def test_categorical_cross_entropy():
    p = RNG.dirichlet(np.ones(3), size=4)
    t = np.eye(3)[[0, 1, 2, 0]]
    np.testing.assert_allclose(F.categorical_cross_entropy(Tensor(p), t).item(),
                               -np.mean(np.sum(t * np.log(p), axis=1)), rtol=1e-6)
