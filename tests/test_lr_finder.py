"""find_lr: the learning-rate range test leaves the model bit for bit as it was, and suggests a sensible rate."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import Dense, Module, Sequential
from tinygrad_edu.recipe import DEMO_SEED, build_model, load_circles
from tinygrad_edu.training import find_lr

from figure_checks import check_png


@pytest.fixture(scope="module")
def circles():
    return load_circles(seed=DEMO_SEED)


def trained_a_little(seed, X, y):
    tg.manual_seed(seed)
    model = build_model()
    model.fit(X, y, epochs=1, verbose=0)          # moments, step count and gradients exist
    return model


def test_weights_and_optimizer_state_are_restored_bit_for_bit(circles):
    X, _, y, _ = circles
    model = trained_a_little(7, X, y)
    twin = trained_a_little(7, X, y)
    opt = model.optimizer
    weights, grads = model.get_weights(), [p.grad.numpy().copy() for p in model.parameters()]
    state, lr, iterations = opt.state_dict(), opt.lr, opt.iterations
    rng_state = tg.get_rng().bit_generator.state
    result = find_lr(model, X, y)
    assert len(result.lrs) > 100 and result.lrs[0] == 1e-7
    for a, b in zip(weights, model.get_weights()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    for g, p in zip(grads, model.parameters()):
        assert g.tobytes() == p.grad.numpy().tobytes()
    after = opt.state_dict()
    assert all(state[k].tobytes() == after[k].tobytes() for k in state)
    assert (opt.lr, opt.iterations) == (lr, iterations)
    assert tg.get_rng().bit_generator.state == rng_state        # the global generator untouched
    assert model.training
    # and so the model trains on exactly as if find_lr had never run
    h1 = model.fit(X, y, epochs=2, verbose=0).history
    tg.get_rng().bit_generator.state = rng_state
    h2 = twin.fit(X, y, epochs=2, verbose=0).history
    assert h1 == h2
    assert all(a.tobytes() == b.tobytes() for a, b in zip(model.get_weights(), twin.get_weights()))


def test_a_sensible_rate_for_adam_on_the_articles_network(circles, tmp_path):
    X_train, X_test, y_train, y_test = circles
    tg.manual_seed(DEMO_SEED)
    model = build_model()                              # Adam, as the article
    result = find_lr(model, X_train, y_train)
    assert 3e-3 <= result.suggestion <= 5e-2           # Keras' default is 1e-3
    assert result.suggestion == pytest.approx(result.min_lr / 10)
    assert min(result.losses) < 0.5 < result.losses[0]           # the loss fell, then rose
    assert result.stopped_early and len(result.lrs) < 200        # ... and diverged before 10
    # the suggestion trains the network, and faster than Keras' default rate
    losses = {}
    for lr in (1e-3, result.suggestion):
        tg.manual_seed(DEMO_SEED)
        model = build_model(optimizer=tg.optim.Adam(lr))
        losses[lr] = model.fit(X_train, y_train, epochs=10, verbose=0).history["loss"][-1]
    assert losses[result.suggestion] < 0.1 < 0.3 < losses[1e-3]
    assert model.evaluate(X_test, y_test)[1] >= 0.95
    path = result.plot(str(tmp_path / "lr.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    check_png(path, min_size=(400, 250))


def test_what_find_lr_refuses(circles):
    X, _, y, _ = circles
    with pytest.raises(RuntimeError, match="find_lr: the model is not compiled"):
        find_lr(build_model(compile=False), X, y)

    class Net(Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="find_lr: needs a compiled Model"):
        find_lr(Net(), X, y)
    with pytest.raises(ValueError, match="0 < start_lr < end_lr"):
        find_lr(build_model(), X, y, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        find_lr(build_model(), X, y, steps=1)
    with pytest.raises(ValueError, match="x has 900 samples but y has 3"):
        find_lr(build_model(), X, y[:3])
    # Each argument is named (they were NumPy's and Python's bare "range() arg 3 must not be
    # zero", "SeedSequence expects int", "'<' not supported between 'int' and 'str'").
    for kwargs, pattern in [(dict(batch_size=0), "batch_size must be an integer >= 1, got 0"),
                            (dict(batch_size=2.5), "batch_size must be an integer >= 1"),
                            (dict(seed="a"), "seed must be an integer >= 0, got 'a'")]:
        with pytest.raises(ValueError, match=f"find_lr: {pattern}"):
            find_lr(build_model(), X, y, **kwargs)
    for name in ("start_lr", "smoothing"):
        with pytest.raises(TypeError, match=f"find_lr: {name} must be a number, got 'a'"):
            find_lr(build_model(), X, y, **{name: "a"})


def test_an_unbound_optimizer_and_a_small_dataset():
    model = Sequential([Dense(1, input_dim=2, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], np.float32)
    result = find_lr(model, X, np.array([0, 1, 1]), steps=20, batch_size=32)
    assert len(result.lrs) == len(result.raw_losses) == len(result.losses) <= 20
    assert model.optimizer.params and model.optimizer.iterations == 0
