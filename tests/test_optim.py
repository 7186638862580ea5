"""Optimizers: one step against hand-computed values, Keras defaults, state_dict."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim


def param(values):
    return tg.Tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


def set_grad(p, g):
    p.grad = tg.Tensor(np.asarray(g, dtype=np.float32))


def test_keras_defaults():
    a = optim.Adam()
    assert (a.lr, a.beta_1, a.beta_2, a.epsilon) == (1e-3, 0.9, 0.999, 1e-7)
    assert optim.Adamax().lr == 2e-3 and optim.Adamax().epsilon == 1e-7
    assert optim.SGD().lr == 0.01 and optim.SGD().momentum == 0
    r = optim.RMSprop()
    assert (r.lr, r.rho, r.epsilon) == (1e-3, 0.9, 1e-7)


def test_sgd_step_is_w_minus_alpha_dw():
    w = param([1.0, -2.0, 3.0])
    opt = optim.SGD([w], lr=0.1)
    set_grad(w, [0.5, 1.0, -1.0])
    opt.step()
    np.testing.assert_array_equal(w.numpy(), np.float32([1.0, -2.0, 3.0]) - np.float32(0.1) *
                                  np.float32([0.5, 1.0, -1.0]))


def test_sgd_momentum_and_nesterov_two_steps():
    for nesterov in (False, True):
        w = param([1.0])
        opt = optim.SGD([w], lr=0.1, momentum=0.9, nesterov=nesterov)
        pv, m = 1.0, 0.0
        for g in (2.0, -1.0):
            set_grad(w, [g])
            opt.step()
            m = 0.9 * m - 0.1 * g                      # Keras: m = momentum m - lr g
            pv += (0.9 * m - 0.1 * g) if nesterov else m
            assert w.item() == pytest.approx(pv, rel=1e-6)


def test_sgd_weight_decay_is_decoupled():
    w = param([2.0])
    opt = optim.SGD([w], lr=0.1, weight_decay=0.5)
    set_grad(w, [1.0])
    opt.step()
    assert w.item() == pytest.approx(2.0 - 0.1 * 0.5 * 2.0 - 0.1 * 1.0)


def test_adam_two_steps_hand_computed():
    """Keras' Adam: alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t); p -= alpha_t m / (sqrt(v) + eps)."""
    w = param([0.5, -1.0])
    opt = optim.Adam([w], lr=0.01)
    grads = [np.array([0.2, -3.0]), np.array([-0.1, 1.0])]
    p, m, v = np.array([0.5, -1.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate(grads, start=1):
        set_grad(w, g)
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        alpha = 0.01 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        p = p - alpha * m / (np.sqrt(v) + 1e-7)
        np.testing.assert_allclose(w.numpy(), p, rtol=1e-6)
    # concretely, after the first step each weight moved by ~lr against its gradient's sign
    assert opt.iterations == 2


def test_adam_first_step_value():
    w = param([1.0])
    opt = optim.Adam([w])
    set_grad(w, [3.0])
    opt.step()
    # m = 0.3, v = 0.009, alpha = 1e-3 sqrt(0.001)/0.1; step = alpha * 0.3 / (sqrt(0.009) + 1e-7)
    expected = 1.0 - 1e-3 * math.sqrt(0.001) / 0.1 * 0.3 / (math.sqrt(0.009) + 1e-7)
    assert w.item() == pytest.approx(expected, rel=1e-7)
    assert w.item() == pytest.approx(0.999, abs=1e-7)          # ~ lr * sign(g)


def test_adamax_two_steps_hand_computed():
    w = param([1.0, 2.0])
    opt = optim.Adamax([w])
    p, m, u = np.array([1.0, 2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate([np.array([0.5, -2.0]), np.array([1.5, 0.1])], start=1):
        set_grad(w, g)
        opt.step()
        m = 0.9 * m + 0.1 * g
        u = np.maximum(0.999 * u, np.abs(g))
        p = p - 0.002 * m / ((1 - 0.9 ** t) * (u + 1e-7))
        np.testing.assert_allclose(w.numpy(), p, rtol=1e-6)


def test_rmsprop_two_steps_hand_computed():
    for momentum in (0.0, 0.5):
        w = param([1.0, -1.0])
        opt = optim.RMSprop([w], lr=0.01, momentum=momentum)
        p, v, mom = np.array([1.0, -1.0]), np.zeros(2), np.zeros(2)
        for g in (np.array([0.3, -0.4]), np.array([0.1, 2.0])):
            set_grad(w, g)
            opt.step()
            v = 0.9 * v + 0.1 * g * g
            inc = 0.01 * g / np.sqrt(v + 1e-7)
            mom = momentum * mom + inc
            p = p - (mom if momentum else inc)
            np.testing.assert_allclose(w.numpy(), p, rtol=1e-6)


def test_update_is_in_place_outside_the_graph():
    w = param([1.0, 2.0])
    data = w.numpy()
    opt = optim.Adam([w])
    (w * w).sum().backward()
    v = w._version
    opt.step()
    assert w.numpy() is data                      # same array, changed in place
    assert w._version == v + 1 and w.is_leaf and w.grad_fn is None
    assert w.dtype == np.float32 and opt.state[0]["m"].dtype == np.float32
    opt.zero_grad()
    assert w.grad is None


def test_version_bump_catches_a_stale_graph():
    w = param([1.0, 2.0])
    opt = optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_parameters_without_grad_are_skipped_and_duplicates_ignored():
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([a, b, a], lr=1.0)
    assert len(opt.params) == 2
    set_grad(a, [1.0])
    opt.step()
    assert a.item() == 0.0 and b.item() == 2.0


def test_state_dict_resume_is_exact():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(5)]

    def run(steps, start=None):
        w = param([0.1, 0.2, 0.3]) if start is None else param(start[0])
        opt = optim.Adam([w], lr=0.05)
        if start is not None:
            opt.load_state_dict(start[1])
        for g in steps:
            set_grad(w, g)
            opt.step()
        return w, opt

    w_full, _ = run(grads)
    w_half, opt_half = run(grads[:3])
    state = opt_half.state_dict()
    assert set(state) == {"iterations", "m.0", "v.0"} and int(state["iterations"]) == 3
    w_resumed, opt2 = run(grads[3:], start=(w_half.numpy().copy(), state))
    assert np.array_equal(w_resumed.numpy(), w_full.numpy()) and opt2.iterations == 5


def test_load_state_dict_errors_change_nothing():
    w = param([1.0, 2.0])
    opt = optim.Adam([w])
    set_grad(w, [1.0, 1.0])
    opt.step()
    before = opt.state_dict()
    with pytest.raises(KeyError, match="missing: v.0"):
        opt.load_state_dict({"iterations": np.array(1), "m.0": np.zeros(2)})
    with pytest.raises(ValueError, match=r"'v.0' has shape \(3,\), expected \(2,\)"):
        opt.load_state_dict({"iterations": np.array(7), "m.0": np.zeros(2), "v.0": np.zeros(3)})
    with pytest.raises(ValueError, match="iterations"):
        opt.load_state_dict({"iterations": np.array(-1), "m.0": np.zeros(2), "v.0": np.zeros(2)})
    after = opt.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_construction_styles_and_errors():
    w = param([1.0])
    assert optim.Adam(0.01).lr == 0.01                  # Keras: Adam(0.01)
    assert optim.Adam(learning_rate=0.02).learning_rate == 0.02
    assert optim.Adam([w], lr=0.3).params == [w]        # PyTorch: Adam(params, lr=...)
    with pytest.raises(TypeError, match="twice"):
        optim.Adam(0.01, lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        optim.SGD(lr=-1)
    with pytest.raises(ValueError, match=r"beta_1 must be in \[0, 1\)"):
        optim.Adam(beta_1=1.0)
    with pytest.raises(TypeError, match="expected a Tensor"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="requires_grad=True"):
        optim.SGD([tg.Tensor([1.0])])
    assert isinstance(optim.get("adam"), optim.Adam) and isinstance(optim.get("SGD"), optim.SGD)
    with pytest.raises(ValueError, match=r"unknown optimizer 'adagrad'.*adam, adamax, rmsprop, sgd"):
        optim.get("adagrad")
    assert "Adam(lr=0.001" in repr(optim.Adam())
    # Numbers that are not numbers are named (lr="a" was Python's bare "could not convert
    # string to float"); NumPy scalars and one-element Tensors are numbers.
    for make, pattern in [(lambda: optim.SGD(lr="a"), "SGD: lr must be a number, got str 'a'"),
                          (lambda: optim.SGD(momentum="0.9"), "SGD: momentum must be a number"),
                          (lambda: optim.Adam(beta_1=None), "Adam: beta_1 must be a number"),
                          (lambda: optim.Adam(epsilon=[1e-7, 1e-8]), "Adam: epsilon must be a"),
                          (lambda: optim.RMSprop(weight_decay="x"), "RMSprop: weight_decay must")]:
        with pytest.raises(TypeError, match=pattern):
            make()
    opt = optim.SGD(lr=np.float32(0.5), momentum=tg.Tensor(0.25))
    assert (opt.lr, opt.momentum) == (0.5, 0.25) and type(opt.lr) is float
    with pytest.raises(TypeError, match="SGD: learning_rate must be a number"):
        opt.learning_rate = "fast"


class _Halving(optim.SGD):
    """A rule that reads p (p *= 0.5), not only adds to it."""

    def _update(self, p, g, state):
        p *= 0.5
        p -= self.lr * g


@pytest.mark.parametrize("make", [lambda: optim.Adam(lr=0.01), lambda: optim.Adamax(),
                                  lambda: optim.RMSprop(momentum=0.5), lambda: optim.RMSprop(),
                                  lambda: optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
                                  lambda: optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda: _Halving(lr=0.1)])
def test_fused_update_of_small_models_is_bitwise_the_per_parameter_update(make):
    """Small models are updated on flat arrays -- the parameters themselves when they could
    move there, a copy of them when someone holds their arrays -- bit for bit as one by one."""
    rng = np.random.default_rng(0)
    shapes = [(2, 4), (4,), (4, 6), (6,), (6, 1), (1,)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    fused, held, single = ([param(w) for w in init] for _ in range(3))
    holders = [p.numpy() for p in held]           # someone keeps the arrays: they stay put
    opt_f, opt_h, opt_s = make().add_params(fused), make().add_params(held), make()
    opt_s.FUSE_MAX = 0
    opt_s.add_params(single)
    assert opt_f._flat is not None and opt_h._flat is not None and opt_s._flat is None
    assert all(p.data.base is opt_f._flat_params for p in fused)
    assert opt_h._flat_params is None and all(p.data is a for p, a in zip(held, holders))
    for _ in range(4):
        for a, b, c in zip(fused, held, single):
            g = rng.standard_normal(a.shape).astype(np.float32)
            for p in (a, b, c):
                set_grad(p, g)
        for opt in (opt_f, opt_h, opt_s):
            opt.step()
    for a, b, c, h in zip(fused, held, single, holders):
        assert np.array_equal(a.numpy(), c.numpy()) and np.array_equal(b.numpy(), c.numpy())
        assert a._version == b._version == c._version == 4
        assert b.data is h                       # updated in place, where the holder sees it
    sf, ss = opt_f.state_dict(), opt_s.state_dict()
    assert sf.keys() == ss.keys() and all(np.array_equal(sf[k], ss[k]) for k in sf)
    opt_s.load_state_dict(sf)                     # state views stay views after a load
    if opt_f._flat:
        slot = opt_f.slots[0]
        opt_f.load_state_dict({k: v * 0 for k, v in sf.items()})
        assert not opt_f._flat[slot].any() and opt_f.state[1][slot].base is opt_f._flat[slot]


def test_moved_parameters_keep_their_values_and_share_memory_as_before():
    """Moving a small model's parameters into one flat array changes no value and no
    version; p.numpy() taken afterwards is p's memory, and sees every later step."""
    w, b = param([[1.0, 2.0], [3.0, 4.0]]), param([0.5, -0.5])
    opt = optim.SGD([w, b], lr=0.5)
    assert w.data.base is opt._flat_params and b.data.base is opt._flat_params
    assert w.tolist() == [[1.0, 2.0], [3.0, 4.0]] and b.tolist() == [0.5, -0.5]
    assert w._version == b._version == 0 and w.data.flags.c_contiguous
    seen = w.numpy()
    set_grad(w, np.ones((2, 2)))
    set_grad(b, np.ones(2))
    opt.step()
    assert seen.tolist() == [[0.5, 1.5], [2.5, 3.5]] == w.tolist() and b.tolist() == [0.0, -1.0]


def test_a_parameter_rebound_after_the_move_is_still_updated():
    """``p.data = array`` after the move takes p out of the flat array: the step then
    updates a copy and writes it back, into the new array."""
    w, b = param([1.0, 2.0]), param([3.0])
    opt = optim.SGD([w, b], lr=0.5)
    new = np.array([10.0, 20.0], np.float32)
    w.data = new
    set_grad(w, [1.0, 1.0])
    set_grad(b, [2.0])
    opt.step()
    assert w.data is new and new.tolist() == [9.5, 19.5] and b.tolist() == [2.0]
    assert b.data.base is opt._flat_params


def test_a_second_optimizer_moves_parameters_only_once_the_first_is_gone():
    """A live optimizer's flat array keeps its parameters (the second one updates copies);
    once it is gone, a new optimizer moves them into its own, and both update correctly."""
    import gc
    w, b = param([1.0, 2.0]), param([3.0])
    first = optim.SGD([w, b], lr=1.0)
    second = optim.SGD([w, b], lr=1.0)
    assert second._flat_params is None and w.data.base is first._flat_params
    for opt in (first, second):
        set_grad(w, [1.0, 1.0])
        set_grad(b, [1.0])
        opt.step()
    assert w.tolist() == [-1.0, 0.0] and b.tolist() == [1.0]
    del first, second
    gc.collect()
    third = optim.SGD([w, b], lr=1.0)
    assert w.data.base is third._flat_params and b.data.base is third._flat_params
    set_grad(w, [1.0, 1.0])
    set_grad(b, [1.0])
    third.step()
    assert w.tolist() == [-2.0, -1.0] and b.tolist() == [0.0]


def test_step_without_parameters_is_an_error_not_a_silent_no_op():
    with pytest.raises(RuntimeError, match="no parameters to update"):
        tg.optim.Adam().step()


def test_compile_binds_the_parameters_of_a_built_model():
    from tinygrad_edu.nn.functional import binary_cross_entropy
    model = tg.Sequential([tg.Dense(1, input_dim=2, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    before = model.get_weights()[0].copy()
    binary_cross_entropy(model(tg.Tensor([[1.0, 2.0]])), [[1.0]]).backward()
    model.optimizer.step()                           # a hand-written loop, no fit()
    assert not np.array_equal(model.get_weights()[0], before)


def test_adam_step_size_stays_a_python_float_when_lr_is_a_numpy_number():
    """The LR finder sets ``opt.lr`` to NumPy floats: the float32 update must stay float32."""
    p = tg.Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = tg.optim.Adam([p])
    opt.lr = np.float64(0.01)
    p.grad = tg.Tensor(np.ones(3, np.float32))
    opt.step()
    assert type(opt._alpha) is float and p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), 1 - 0.01, rtol=1e-6)


@pytest.mark.parametrize("clone", ["deepcopy", "pickle"])
def test_a_copied_model_and_optimizer_train_exactly_like_the_original(clone):
    """The flat arrays are a layout: a copy (whose views would be views no more) lays its
    parameters and state out afresh, so it trains bit for bit like the original."""
    import copy
    import pickle
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 2)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    tg.manual_seed(0)
    model = tg.Sequential([tg.Dense(3, input_dim=2, activation="relu"),
                           tg.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.05))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, seed=1)
    twin = copy.deepcopy(model) if clone == "deepcopy" else pickle.loads(pickle.dumps(model))
    for m in (model, twin):
        opt = m.optimizer
        assert opt.params[0] is m.parameters()[0]
        assert all(st["m"].base is opt._flat["m"] for st in opt.state)
        m.fit(x, y, epochs=2, batch_size=8, verbose=0, seed=2)
    for a, b in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(a.numpy(), b.numpy())
    sa, sb = model.optimizer.state_dict(), twin.optimizer.state_dict()
    assert all(np.array_equal(sa[k], sb[k]) for k in sa) and sa["iterations"] == 8
