"""The activations beyond the article: values against closed forms, stability at large |x|,
the gradient at their corners, Keras' activation= names, and jit replays.

(First and second derivatives against finite differences, for every one of
them, are in test_properties.py.)
"""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import activations as A
from tinygrad_edu.nn import ACTIVATIONS, get_activation

X = np.concatenate([np.linspace(-8, 8, 161), [-1e-9, 1e-9]])
np_erf = np.vectorize(math.erf)


def hard_sigmoid(x):
    return np.clip(x / 6 + 0.5, 0, 1)


REFERENCE = {
    "softplus": lambda x: np.logaddexp(0, x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": hard_sigmoid,
    "hard_swish": lambda x: x * hard_sigmoid(x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: A.SELU_SCALE * np.where(x > 0, x, A.SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "mish": lambda x: x * np.tanh(np.logaddexp(0, x)),
    "gelu": lambda x: 0.5 * x * (1 + np_erf(x / math.sqrt(2))),
    "softsign": lambda x: x / (1 + np.abs(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_the_closed_forms(name):
    got = getattr(tg.Tensor(X), name)()               # the Tensor method
    np.testing.assert_allclose(got.numpy(), REFERENCE[name](X), rtol=1e-13, atol=1e-15)
    assert getattr(tg, name)(tg.Tensor(X)).numpy().tolist() == got.numpy().tolist()


def test_the_aliases_and_the_tanh_gelu():
    assert A.swish is A.silu and A.hardswish is A.hard_swish
    approx = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(A.gelu(tg.Tensor(X), approximate=True).numpy(), approx, rtol=1e-13,
                               atol=1e-15)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_large_inputs_give_finite_values_and_gradients(name):
    """No overflow (warnings are errors in this suite), no NaN in a gradient."""
    x = tg.Tensor([-1000.0, -50.0, 50.0, 1000.0], requires_grad=True, dtype="float64")
    y = getattr(A, name)(x)
    (g,) = tg.grad(y.sum(), x)
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(g.numpy()))
    x32 = tg.Tensor([-100.0, 100.0], requires_grad=True)           # float32 overflows at e^89
    (g32,) = tg.grad(getattr(A, name)(x32).sum(), x32)
    assert g32.dtype == np.float32 and np.all(np.isfinite(g32.numpy()))


@pytest.mark.parametrize("fn,x,slope", [
    (A.softplus, 0.0, 0.5),                    # smooth: sigmoid(0), both pieces agree
    (A.relu6, 0.0, 0.0), (A.relu6, 6.0, 0.0), (A.relu6, 3.0, 1.0),
    (A.hard_sigmoid, -3.0, 0.0), (A.hard_sigmoid, 3.0, 0.0), (A.hard_sigmoid, 0.0, 1 / 6),
    (A.elu, 0.0, 1.0), (lambda x: A.elu(x, 0.5), 0.0, 0.5),   # the x <= 0 side, as PyTorch
    (A.gelu, 0.0, 0.5), (A.silu, 0.0, 0.5), (A.mish, 0.0, 0.6), (A.softsign, 0.0, 1.0),
])
def test_gradient_at_the_corners(fn, x, slope):
    t = tg.Tensor(x, requires_grad=True, dtype="float64")
    (g,) = tg.grad(fn(t), t)
    assert g.item() == pytest.approx(slope, abs=1e-12)


def test_gelu_gradient_is_phi_plus_x_times_the_density():
    """gelu' = Phi(x) + x phi(x): never written down, derived from Erf's rule."""
    x = tg.Tensor(X, requires_grad=True, dtype="float64")
    (g,) = tg.grad(A.gelu(x).sum(), x)
    phi = np.exp(-X ** 2 / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(g.numpy(), 0.5 * (1 + np_erf(X / math.sqrt(2))) + X * phi,
                               rtol=1e-12, atol=1e-15)


KERAS_NAMES = ["softplus", "relu6", "hard_sigmoid", "hard_silu", "hard_swish", "hardswish", "elu",
               "selu", "silu", "swish", "mish", "gelu", "softsign"]


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_activation_names(name):
    key, fn = get_activation(name.upper() if name == "gelu" else name)
    assert key == name and ACTIVATIONS[name] is fn
    tg.manual_seed(0)
    layer = tg.Dense(3, activation=name, input_shape=(2,))
    x = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    z = x @ layer.kernel.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(layer(tg.Tensor(x)).numpy(), fn(tg.Tensor(z)).numpy(), rtol=1e-6)


def test_a_jitted_training_step_replays_the_new_activations_bit_for_bit():
    """Every mask and constant they compute is a kernel: jit recomputes it per batch."""
    def make():
        tg.manual_seed(3)
        return tg.Sequential([tg.Dense(5, activation="gelu", input_shape=(2,)),
                              tg.Dense(5, activation="softplus"), tg.Dense(5, activation="elu"),
                              tg.Dense(5, activation="hard_swish"), tg.Dense(5, activation="mish"),
                              tg.Dense(5, activation="relu6"), tg.Dense(1, activation="selu")])

    def run(jitted):
        model = make()
        opt = tg.optim.SGD(model.parameters(), lr=0.05)

        def step(x, y):
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss

        f = tg.jit(step) if jitted else step
        rng = np.random.default_rng(0)
        losses = []
        for _ in range(5):
            x = tg.Tensor(rng.normal(0, 3, (8, 2)).astype(np.float32))
            y = tg.Tensor(rng.normal(0, 1, (8, 1)).astype(np.float32))
            opt.zero_grad()
            losses.append(f(x, y).item())
            opt.step()
        return losses, [p.numpy() for p in model.parameters()], f

    eager, jitted = run(False), run(True)
    assert jitted[2].replays == 3
    assert eager[0] == jitted[0]
    for a, b in zip(eager[1], jitted[1]):
        np.testing.assert_array_equal(a, b)
