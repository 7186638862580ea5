"""Convolution, pooling and padding: closed-form small cases, the hand-written im2col
reference, the error messages, and the Keras-shaped layers (shapes, summary, drawings, jit).

(First and second derivatives of every op against finite differences are in
tests/test_properties.py.)
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from benchmarks import handwritten as hw
from benchmarks import ours
from test_viz import labels, parse
from tinygrad_edu import conv as C
from tinygrad_edu.autograd import toposort
from tinygrad_edu.nn import AveragePooling2D, Conv2D, Dense, Flatten, MaxPooling2D, Sequential
from tinygrad_edu.nn.losses import sparse_categorical_crossentropy

IMAGE = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)          # [[1 2 3] [4 5 6] [7 8 9]]


def t64(a, grad=False):
    return tg.Tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=grad)


# ------------------------------------------------------- closed-form cases ---
def test_conv2d_of_a_3x3_image_by_hand():
    x, w = t64(IMAGE, grad=True), t64([[[[1.0, 0.0], [0.0, 1.0]]]], grad=True)
    out = x.conv2d(w)                                    # each 2x2 window's main diagonal
    np.testing.assert_array_equal(out.numpy(), [[[[1 + 5, 2 + 6], [4 + 8, 5 + 9]]]])
    out.sum().backward()
    # d/dx: how many windows see the pixel through a tap of weight 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 1, 0], [1, 2, 1], [0, 1, 1]])
    # d/dw[di, dj]: the sum of the pixels under that tap over all windows
    np.testing.assert_array_equal(w.grad.numpy()[0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6],
                                                         [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])


def test_conv2d_padding_stride_dilation_and_bias_by_hand():
    x = t64(IMAGE)
    centre = np.zeros((1, 1, 3, 3))
    centre[0, 0, 1, 1] = 1.0
    np.testing.assert_array_equal(x.conv2d(t64(centre), padding=1).numpy(), IMAGE)   # identity
    ones = t64(np.ones((1, 1, 3, 3)))
    # padding 1, stride 2: the 3x3 sums around the corners 1, 3, 7, 9
    np.testing.assert_array_equal(x.conv2d(ones, padding=1, stride=2).numpy()[0, 0],
                                  [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6], [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])
    # dilation 2: a 2x2 kernel whose taps are the four corners
    np.testing.assert_array_equal(x.conv2d(t64(np.ones((1, 1, 2, 2))), dilation=2).numpy(),
                                  [[[[1 + 3 + 7 + 9]]]])
    two = x.conv2d(t64(np.stack([centre[0], -centre[0]])), bias=t64([0.5, 1.0]), padding="same")
    np.testing.assert_array_equal(two.numpy()[0], [IMAGE[0, 0] + 0.5, 1.0 - IMAGE[0, 0]])


def test_grouped_conv2d_keeps_the_groups_apart():
    x = t64(np.concatenate([IMAGE, 10 * IMAGE], axis=1))                # 2 channels
    w = t64(np.ones((2, 1, 1, 1)) * np.array([1.0, -1.0]).reshape(2, 1, 1, 1))
    np.testing.assert_array_equal(x.conv2d(w, groups=2).numpy()[0],
                                  [IMAGE[0, 0], -10 * IMAGE[0, 0]])


def test_pooling_of_a_3x3_image_by_hand():
    x = t64(IMAGE, grad=True)
    np.testing.assert_array_equal(x.max_pool2d(2).numpy(), [[[[5.0]]]])       # floor mode
    np.testing.assert_array_equal(x.avg_pool2d(2, stride=1).numpy(), [[[[3, 4], [6, 7]]]])
    x.max_pool2d(2, stride=1).sum().backward()               # each window's max gets its gradient
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    x.grad = None
    x.avg_pool2d(3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 1, 3, 3), 1 / 9))


def test_max_pool_ties_share_the_gradient():
    x = t64(np.ones((1, 1, 2, 2)), grad=True)
    x.max_pool2d(2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 1, 2, 2), 0.25))


def test_pad_in_torch_order_with_a_value_and_crops():
    x = t64([[1.0, 2.0], [3.0, 4.0]], grad=True)
    out = x.pad((1, 0, 0, 1), value=9.0)                  # last axis: 1 before; first: 1 after
    np.testing.assert_array_equal(out.numpy(), [[9, 1, 2], [9, 3, 4], [9, 9, 9]])
    (out * t64(np.arange(9.0).reshape(3, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2], [4, 5]])       # x's part only
    np.testing.assert_array_equal(x.pad((-1, 1)).numpy(), [[2, 0], [4, 0]])
    assert x.pad((0, 0)) is x
    recorded = {type(t.grad_fn).__name__ for t in toposort([x.pad((1, 1))]) if t.grad_fn}
    assert recorded == {"ScatterAdd"}


def test_conv2d_is_derived_from_primitives():
    x, w = t64(np.ones((1, 2, 5, 5)), grad=True), t64(np.ones((3, 2, 3, 3)), grad=True)
    out = x.conv2d(w, padding=1)
    kinds = {type(t.grad_fn).__name__ for t in toposort([out]) if t.grad_fn is not None}
    assert kinds == {"Transpose", "ScatterAdd", "GetItem", "Cat", "Reshape", "MatMul"}
    assert out.grad_fn.scope == ("conv2d",)
    (gx,) = tg.grad(out.sum(), [x], create_graph=True)   # the backward is a graph too
    (ggw,) = tg.grad((gx * gx).sum(), [w])
    assert ggw.shape == w.shape and np.abs(ggw.numpy()).sum() > 0


# -------------------------------------------- against the hand-written im2col ---
def test_conv2d_matches_the_handwritten_im2col():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 3, 3, 4))
    ref = (hw.im2col(x, 3) @ k.reshape(-1, 4)).reshape(2, 5, 4, 4)
    ours_nhwc = C.conv2d_channels_last(t64(x), t64(k)).numpy()
    ours_nchw = t64(x.transpose(0, 3, 1, 2)).conv2d(t64(k.transpose(3, 2, 0, 1))).numpy()
    np.testing.assert_allclose(ours_nhwc, ref, rtol=1e-12)
    np.testing.assert_allclose(ours_nchw.transpose(0, 2, 3, 1), ref, rtol=1e-12)
    g = rng.standard_normal(ref.shape)
    xt = t64(x, grad=True)
    (C.conv2d_channels_last(xt, t64(k)) * t64(g)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), hw.col2im(g.reshape(-1, 4) @ k.reshape(-1, 4).T,
                                                          x.shape, 3), rtol=1e-12)


def _digits_batch(n=32):
    rng = np.random.default_rng(3)
    return rng.uniform(0, 1, (n, 8, 8, 1)).astype(np.float32), rng.integers(0, 10, n)


def test_digits_cnn_gradients_match_the_handwritten_step():
    X, y = _digits_batch()
    tg.manual_seed(0)
    model = ours.digits_cnn()
    ref = hw.CNN(model.get_weights())
    loss = sparse_categorical_crossentropy(model(tg.Tensor(X)), y)
    loss.backward()
    ref_loss, ref_grads = ref.loss_and_grads(X, y)
    assert loss.item() == pytest.approx(float(ref_loss), rel=1e-6)
    for p, g in zip(model.parameters(), ref_grads):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-4, atol=1e-6)


def test_handwritten_cnn_matches_finite_differences_along_random_directions():
    """The reference's typed-in backward is right (float64, central differences)."""
    X, y = _digits_batch(4)
    tg.manual_seed(1)
    ref = hw.CNN(ours.digits_cnn().get_weights())
    ref.params = [p.astype(np.float64) + 0.05 * (i % 2) for i, p in enumerate(ref.params)]
    X = X.astype(np.float64)
    loss, grads = ref.loss_and_grads(X, y)
    assert loss < 5            # no probability clipped (dZ = P - Y assumes none is)
    rng, h = np.random.default_rng(5), 1e-6
    for _ in range(3):
        v = [rng.standard_normal(p.shape) for p in ref.params]
        base = [p.copy() for p in ref.params]
        ref.params = [p + h * d for p, d in zip(base, v)]
        up = ref.loss_and_grads(X, y)[0]
        ref.params = [p - h * d for p, d in zip(base, v)]
        down = ref.loss_and_grads(X, y)[0]
        ref.params = base
        assert (up - down) / (2 * h) == pytest.approx(sum(np.sum(g * d) for g, d in zip(grads, v)),
                                                      rel=1e-5)


# ------------------------------------------------------------------ errors ---
@pytest.mark.parametrize("call, message", [
    (lambda: tg.Tensor.ones(8, 8).conv2d(tg.Tensor.ones(1, 1, 3, 3)),
     r"conv2d: expected a 4-D input \(N, C, H, W\), got shape \(8, 8\).*x.reshape\(1, 1, 8, 8\)"),
    (lambda: tg.Tensor.ones(1, 3, 8, 8).conv2d(tg.Tensor.ones(4, 1, 3, 3)),
     r"conv2d: the input has 3 channels \(shape \(1, 3, 8, 8\), NCHW\) but the weight of shape "
     r"\(4, 1, 3, 3\) takes 1 x groups=1 = 1.*\(out_channels, in_channels // groups, kH, kW\)"),
    (lambda: tg.Tensor.ones(1, 1, 2, 2).conv2d(tg.Tensor.ones(1, 1, 3, 3)),
     r"conv2d: the kernel \(3x3, dilation \(1, 1\)\) is larger than the padded input \(2x2.*"
     r"padding='same'"),
    (lambda: tg.Tensor.ones(1, 4, 5, 5).conv2d(tg.Tensor.ones(3, 2, 1, 1), groups=2),
     r"conv2d: groups=2 must divide both the input channels \(4\) and the output channels \(3\)"),
    (lambda: tg.Tensor.ones(1, 1, 5, 5).conv2d(tg.Tensor.ones(1, 1, 3, 3), stride=0),
     r"conv2d: stride must be an integer >= 1"),
    (lambda: tg.Tensor.ones(1, 1, 5, 5).conv2d(tg.Tensor.ones(2, 1, 3, 3), tg.Tensor.ones(3)),
     r"conv2d: bias must have shape \(2,\)"),
    (lambda: tg.Tensor.ones(1, 1, 2, 2).max_pool2d(3),
     r"max_pool2d: the window 3x3 is larger than the input's spatial size 2x2"),
    (lambda: tg.Tensor.ones(2, 2).pad((1, 1, 1)), r"pad: pad must be a tuple of an even number"),
    (lambda: tg.Tensor.ones(2, 2).pad((1, 1, 1, 1, 1, 1)), r"pad: .* 3 \(before, after\) pairs"),
    (lambda: Conv2D(4, 3)(np.zeros((2, 8, 8))),
     r"conv2d: expected images of shape \(samples, height, width, channels\), got shape "
     r"\(2, 8, 8\); a batch of grey 8x8 images is x.reshape\(-1, 8, 8, 1\)"),
    (lambda: Conv2D(4, 5, input_shape=(3, 3, 1)), r"does not fit in inputs of shape \(3, 3\)"),
    (lambda: Conv2D(4, 3, padding="full"), r"Conv2D: padding must be 'valid' or 'same'"),
])
def test_errors_name_the_op_the_shapes_and_the_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ------------------------------------------------------------------ layers ---
def cnn(**kw):
    return Sequential([Conv2D(4, 3, padding="same", activation="relu", input_shape=(6, 6, 2)),
                       MaxPooling2D(2), Conv2D(3, 2, strides=2, **kw), AveragePooling2D(1),
                       Flatten(), Dense(5, activation="softmax")])


def test_layers_compute_keras_shapes_and_names():
    model = cnn()
    lines = []
    model.summary(print_fn=lines.append)
    rows = {line.split()[0]: line for line in lines[0].splitlines()[4:10]}
    expected = {"conv2d_1": ("(None, 6, 6, 4)", 76), "max_pooling2d_1": ("(None, 3, 3, 4)", 0),
                "conv2d_2": ("(None, 1, 1, 3)", 51), "average_pooling2d_1": ("(None, 1, 1, 3)", 0),
                "flatten_1": ("(None, 3)", 0), "dense_1": ("(None, 5)", 20)}
    for name, (shape, count) in expected.items():
        assert shape in rows[name] and rows[name].split()[-1] == str(count)
    assert model(np.zeros((7, 6, 6, 2), np.float32)).shape == (7, 5)
    assert model[0].kernel.shape == (3, 3, 2, 4) and model[0].kernel.name == "conv2d_1.kernel"
    same = cnn(padding="same")
    assert same[2].compute_output_shape((3, 3, 4)) == (2, 2, 3)


def test_unbuilt_layers_are_built_from_the_first_batch():
    model = Sequential([Conv2D(2, 3), MaxPooling2D(2, strides=1), Flatten(), Dense(1)])
    assert not model.built
    assert model(np.zeros((3, 5, 5, 1), np.float32)).shape == (3, 1)
    assert model[0].input_shape == (5, 5, 1) and model[3].kernel.shape == (8, 1)
    with pytest.raises(ValueError, match="expected images with 1 channels"):
        model(np.zeros((3, 5, 5, 2), np.float32))
    built = Sequential([Conv2D(2, 3), Flatten(), Dense(1)])
    built.build((None, 8, 8, 1))                  # Keras' input shape, batch axis first
    assert built[2].kernel.shape == (6 * 6 * 2, 1)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(5, 5, 2\) but the previous "
                                         r"layer gives \(4, 4, 2\)"):
        Sequential([Conv2D(3, 3, input_shape=(6, 6, 1)), Conv2D(2, 1, input_shape=(4, 4, 3)),
                    Conv2D(1, 1, input_shape=(5, 5, 2))])


def test_conv_layer_equals_conv2d_and_pools_equal_the_nchw_functions():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    valid = Conv2D(4, 3, strides=2, input_shape=(6, 6, 3))
    valid.bias.data[...] = rng.standard_normal(4)
    nchw = tg.Tensor(x.transpose(0, 3, 1, 2)).conv2d(valid.kernel.permute(3, 2, 0, 1), valid.bias,
                                                     stride=2)
    np.testing.assert_allclose(valid(x).numpy(), nchw.numpy().transpose(0, 2, 3, 1), rtol=1e-5,
                               atol=1e-6)
    # Keras' 'same' with stride 2 on 6 pixels pads 0 before and 1 after
    same = Conv2D(4, 3, strides=2, padding="same", input_shape=(6, 6, 3))
    padded = tg.Tensor(x).pad((0, 0, 0, 1, 0, 1))
    np.testing.assert_allclose(same(x).numpy(), C.conv2d_channels_last(
        padded, same.kernel, same.bias, strides=2).numpy(), rtol=1e-6)
    for layer, fn in ((MaxPooling2D(2), "max_pool2d"),
                      (AveragePooling2D(3, strides=2), "avg_pool2d")):
        want = getattr(tg.Tensor(x.transpose(0, 3, 1, 2)), fn)(layer.pool_size, layer.strides)
        np.testing.assert_allclose(layer(x).numpy(), want.numpy().transpose(0, 2, 3, 1), rtol=1e-6)


def test_each_layer_draws_as_one_box():
    model = cnn()
    x = tg.Tensor(np.ones((2, 6, 6, 2), np.float32))
    loss = sparse_categorical_crossentropy(model(x), np.array([0, 3]))
    boxes = labels(parse(tg.draw_graph(loss, collapse="module"))[0], "op")
    assert sorted(b.split("\n")[0] for b in boxes) == sorted(
        ["conv2d_1", "max_pooling2d_1", "conv2d_2", "average_pooling2d_1", "flatten_1", "dense_1",
         "sparse_categorical_crossentropy"])
    expanded = labels(parse(tg.draw_graph(loss, collapse=None))[0], "op")
    # conv2d_2's four taps (2x2 kernel) and the loss's pick; conv2d_1 cuts its windows from
    # the input, which needs no gradient, so they are not recorded
    assert sum(b.startswith("GetItem") for b in expanded) == 4 + 1


def test_a_cnn_training_step_replays_under_jit_bit_for_bit():
    X, y = _digits_batch(8)
    tg.manual_seed(0)
    eager = ours.digits_cnn()
    replayed = ours.digits_cnn(eager.get_weights())
    opt_e, opt_r = ours.make_adam(eager.parameters()), ours.make_adam(replayed.parameters())

    @tg.jit
    def loss_and_grads(x, labels):
        loss = sparse_categorical_crossentropy(replayed(x), labels)
        loss.backward()
        return loss

    for _ in range(4):
        ours.cnn_train_step(eager, opt_e, tg.Tensor(X), y)
        opt_r.zero_grad()
        loss_and_grads(tg.Tensor(X), tg.Tensor(y))
        opt_r.step()
    assert loss_and_grads.replays == 2
    assert all(np.array_equal(a, b) for a, b in zip(eager.get_weights(), replayed.get_weights()))
