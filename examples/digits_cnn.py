"""A CNN on scikit-learn's 8x8 handwritten digits, written as a Keras user writes it.

The data ships with scikit-learn (no download): 1797 grey 8x8 images of the
digits 0-9, split 80/20, stratified.  The model is Keras' classic small CNN,
two blocks of a 3x3 convolution and 2x2 max pooling, then two dense layers:

    Conv2D(16, 3, same, relu) - MaxPooling2D(2) - Conv2D(32, 3, same, relu) -
    MaxPooling2D(2) - Flatten - Dense(64, relu) - Dense(10, softmax)

trained with Adam on sparse categorical cross-entropy, batch 32, 15 epochs.
Every layer is Tensor code; the convolutions' backward passes are derived
from primitives (see tinygrad_edu/conv.py).  BLAS runs on one thread, as the
Keras run it is compared with (docs/examples.md has both).

    python examples/digits_cnn.py --out out --seed 0 [--fast]

Prints the test accuracy and the time of the fit, and writes to OUT/:
digits_filters.png (the 16 learned 3x3 filters), digits_feature_maps.png
(one test digit through both convolutions), digits_conv_sliding.gif (the
first filter sliding over the digit, one output pixel per frame), and
digits_conv_backward.svg / digits_conv_backward_expanded.svg (the backward
graph of the second conv layer, as one box and with every primitive).
--fast: 1 epoch and a 4-frame GIF (for the tests).  Needs scikit-learn
(pip install -e '.[examples]').
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # one BLAS thread (only effective before NumPy loads)

import sys       # noqa: E402
import time      # noqa: E402

import numpy as np    # noqa: E402

import tinygrad_edu as tg    # noqa: E402
from tinygrad_edu import viz    # noqa: E402
from tinygrad_edu.article import example_parser    # noqa: E402
from tinygrad_edu.drawing import GifWriter, figure, require, save    # noqa: E402
from tinygrad_edu.article.graphs import draw_or_write_dot    # noqa: E402
from tinygrad_edu.nn import Conv2D, Dense, Flatten, MaxPooling2D, Sequential    # noqa: E402


def load_data(seed):
    """The digits as (samples, 8, 8, 1) in [0, 1], split 80/20 with every class in proportion."""
    require("sklearn", "the digits example")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    X = (digits.images / 16.0).astype("float32")[..., None]
    return train_test_split(X, digits.target, test_size=0.2, stratify=digits.target,
                            random_state=seed)


def build_model():
    """The CNN, compiled (the Keras code, unchanged but for the imports)."""
    model = Sequential([
        Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D(2),
        Conv2D(32, 3, padding="same", activation="relu"),
        MaxPooling2D(2),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    args = example_parser(__doc__).parse_args(argv)
    tg.manual_seed(args.seed)             # the weights and the shuffling
    X_train, X_test, y_train, y_test = load_data(args.seed)
    model = build_model()
    model.summary()
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(X_train, y_train, batch_size=32, epochs=1 if args.fast else 15, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
    print(f"seed {args.seed}: test accuracy {test_acc:.4f}, test loss {test_loss:.4f}; fit "
          f"{wall:.2f} s ({cpu:.2f} s of CPU)")
    out = args.out
    digit = X_test[int(np.argmax(y_test == 3))]          # the first 3 of the test set
    files = [plot_filters(model, os.path.join(out, "digits_filters.png")),
             plot_feature_maps(model, digit, os.path.join(out, "digits_feature_maps.png")),
             animate_convolution(model, digit, os.path.join(out, "digits_conv_sliding.gif"),
                                 frames=4 if args.fast else 64)]
    files += draw_or_write_dot(lambda a, b: plot_conv_backward(model, digit, a, b), print,
                               os.path.join(out, "digits_conv_backward.svg"),
                               os.path.join(out, "digits_conv_backward_expanded.svg"))
    for path in files:
        print(f"wrote {path}")
    return dict(files=files, test_accuracy=float(test_acc), test_loss=float(test_loss),
                fit_seconds=wall, fit_cpu_seconds=cpu)


# ------------------------------------------------------------------ figures --
def _mosaic(images, cols):
    """Equal-sized 2-D ``images`` tiled ``cols`` to a row, one blank (NaN) pixel between them."""
    n, h, w = images.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for k, image in enumerate(images):
        i, j = divmod(k, cols)
        out[i * (h + 1):i * (h + 1) + h, j * (w + 1):j * (w + 1) + w] = image
    return np.ma.masked_invalid(out)


def _show(ax, image, title, **kw):
    ax.imshow(image, interpolation="nearest", **kw)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def plot_filters(model, path):
    """The first layer's 16 learned 3x3 filters (red positive, blue negative)."""
    kernel = model.layers[0].kernel.numpy()[:, :, 0, :].transpose(2, 0, 1)     # (16, 3, 3)
    lim = np.abs(kernel).max()
    fig = figure(8, 2.4)
    _show(fig.add_axes((0.02, 0.02, 0.96, 0.8)), _mosaic(kernel, 8),
          f"{model.layers[0].name}: the 16 learned 3x3 filters (red > 0, blue < 0)",
          cmap="RdBu_r", vmin=-lim, vmax=lim)
    return save(fig, path, dpi=100)


def _activations(model, digit):
    """The output of every layer for one image, without recording a graph."""
    outs, h = [], tg.Tensor(digit[None])
    with tg.no_grad():
        for layer in model.layers:
            h = layer(h)
            outs.append(h.numpy()[0])
    return outs


def plot_feature_maps(model, digit, path):
    """One digit, the 16 feature maps of the first convolution and the 32 of the second."""
    outs = _activations(model, digit)
    fig = figure(9, 3.6)
    _show(fig.add_axes((0.01, 0.1, 0.2, 0.75)), digit[:, :, 0],
          f"input (predicted {int(np.argmax(outs[-1]))})", cmap="gray_r")
    _show(fig.add_axes((0.24, 0.1, 0.4, 0.75)), _mosaic(outs[0].transpose(2, 0, 1), 4),
          f"{model.layers[0].name} + relu: 16 maps, 8x8", cmap="viridis")
    _show(fig.add_axes((0.67, 0.1, 0.32, 0.75)), _mosaic(outs[2].transpose(2, 0, 1), 8),
          f"{model.layers[2].name} + relu: 32 maps, 4x4", cmap="viridis")
    return save(fig, path, dpi=100)


def animate_convolution(model, digit, path, frames=64):
    """Filter 0 of the first layer sliding over the (zero-padded) digit, one output per frame."""
    layer = model.layers[0]
    w, b = layer.kernel.numpy()[:, :, 0, 0], float(layer.bias.numpy()[0])
    padded = np.pad(digit[:, :, 0], 1)
    result = np.full((8, 8), np.nan)
    fig = figure(7.5, 3)
    axes = [fig.add_subplot(1, 3, k + 1) for k in range(3)]
    for ax, image, title in zip(axes, (padded, w, result),
                                ("the digit, padded ('same')", "filter 0", "its feature map")):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=9)
    axes[0].imshow(padded, cmap="gray_r", interpolation="nearest")
    lim = np.abs(w).max()
    axes[1].imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    full = np.array([[np.sum(padded[i:i + 3, j:j + 3] * w) + b for j in range(8)]
                     for i in range(8)])
    shown = axes[2].imshow(result, cmap="viridis", vmin=min(full.min(), 0), vmax=full.max(),
                           interpolation="nearest")
    box = require("matplotlib.patches", "the GIF").Rectangle((-0.5, -0.5), 3, 3, fill=False,
                                                              edgecolor="red", linewidth=2)
    axes[0].add_patch(box)
    caption = fig.text(0.5, 0.04, "", ha="center", fontsize=9)
    gif = GifWriter(fig, path, fps=6)
    for k in np.linspace(0, 63, frames).astype(int):
        i, j = divmod(int(k), 8)
        box.set_xy((j - 0.5, i - 0.5))
        result.flat[:k + 1] = full.flat[:k + 1]
        shown.set_data(np.ma.masked_invalid(result))
        caption.set_text(f"out[{i}, {j}] = sum(window x filter) + bias = {full[i, j]:.2f}"
                         f"  (relu keeps {max(full[i, j], 0):.2f})")
        fig.canvas.draw()
        gif.grab()
    return gif.finish()


def plot_conv_backward(model, digit, collapsed_path, expanded_path):
    """The backward graph of the second conv layer on one digit: one box, then every primitive.

    Its input (the pooled maps of the first block) is made a leaf that requires
    grad, so the drawing shows the gradient reaching it too: the nine slicings'
    ScatterAdds, summed, are the transposed convolution.
    """
    model.zero_grad()                     # fit leaves the last batch's gradients
    with tg.no_grad():
        h = tg.Tensor(digit[None])
        for layer in model.layers[:2]:
            h = layer(h)
    a_prev = tg.Tensor(h.numpy(), requires_grad=True, name="A_prev")
    layer = model.layers[2]
    total = layer(a_prev).sum()
    total.name = "sum"
    total.backward()
    paths = []
    for path, collapse in ((collapsed_path, "module"), (expanded_path, None)):
        paths.append(str(viz.save_graph(total, path=path, mode="backward", params=model,
                                        collapse=collapse)))
    model.zero_grad()
    return paths


if __name__ == "__main__":
    main()
    sys.exit(0)
