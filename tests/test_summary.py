"""summary() for every Module (Keras' table and the article's notation), Keras-style names, hooks."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import Activation, Dense, Module, Sequential
from tinygrad_edu.nn.modules import _snake
from tinygrad_edu.recipe import build_model


class MLP(Module):
    """A subclassed model: registered out of order, an Activation layer, a bare parameter."""

    def __init__(self):
        super().__init__()
        self.out = Dense(1, activation="sigmoid", input_dim=3)
        self.hidden = Dense(3, input_dim=2)
        self.act = Activation("tanh")
        self.scale = tg.Tensor([2.0], requires_grad=True)

    def forward(self, x):
        return self.out(self.act(self.hidden(x))) * self.scale


def text_of(module, **kw):
    lines = []
    module.summary(print_fn=lines.append, **kw)
    return "\n".join(lines)


def row(text, start):
    return next(line for line in text.splitlines() if line.startswith(start)).split()


def test_a_subclassed_module_has_a_summary_in_the_order_forward_runs():
    net = MLP()
    text = text_of(net)
    assert text.startswith('Model: "mlp"')
    names = [line.split()[0] for line in text.splitlines()[4:8]]
    assert names == ["hidden", "act", "out", "scale"]          # forward's order, then the rest
    assert row(text, "hidden") == ["hidden", "(Dense)", "(None,", "3)", "9"]
    assert row(text, "act") == ["act", "(Activation)", "(None,", "3)", "0"]
    assert row(text, "out") == ["out", "(Dense)", "(None,", "1)", "4"]
    assert row(text, "scale")[-1] == "1" and "Total params: 14" in text
    assert net.training                         # the probe ran in eval mode and restored it
    assert all(not m._forward_hooks for _, m in net.named_modules())
    assert all(p.grad is None for p in net.parameters())


def test_article_notation_of_a_subclassed_module():
    text = text_of(MLP(), notation="article")
    assert row(text, "0")[-3:] == ["A[0]:", "(2,", "m)"]
    assert row(text, "1") == ["1", "hidden", "(Dense)", "(3,", "2)", "(3,", "1)", "(3,", "m)",
                              "linear", "9"]
    assert row(text, "2") == ["2", "out", "(Dense)", "(1,", "3)", "(1,", "1)", "(1,", "m)",
                              "sigmoid", "4"]
    assert "Total params: 14 (W: 9, b: 4, other: 1)" in text


def test_article_notation_of_the_article_network():
    text = text_of(build_model(compile=False), notation="article")
    shapes = [tuple(int(n) for n in "".join(row(text, str(l))[3:5]).strip("()").split(","))
              for l in range(1, 6)]
    assert shapes == [(4, 2), (6, 4), (6, 6), (4, 6), (1, 4)]        # W[l]: (n[l], n[l-1])
    assert "Total params: 117 (W: 96, b: 21)" in text
    with pytest.raises(ValueError, match="notation must be 'keras'.*or 'article'"):
        build_model(compile=False).summary(notation="torch")


def test_summary_of_one_layer_and_of_unknown_shapes():
    assert row(text_of(Dense(4, input_dim=3, name="d")), "d") == ["d", "(Dense)", "(None,", "4)",
                                                                 "16"]

    class Lazy(Module):                          # unbuilt: not run (running would build it)
        def __init__(self):
            super().__init__()
            self.a = Dense(3)

        def forward(self, x):
            return self.a(x)

    lazy = Lazy()
    text = text_of(lazy)
    assert row(text, "a") == ["a", "(Dense)", "?", "0", "(unbuilt)"]
    assert not lazy.a.built
    assert "output shapes unknown" not in text           # one layer: nothing to explain
    net = MLP()
    assert row(text_of(net, input_shape=(2,)), "out")[2:4] == ["(None,", "1)"]
    assert "output shapes unknown" in text_of(net, input_shape=(5,))   # a size it cannot take


def test_a_long_layer_label_widens_its_column_instead_of_touching_the_shape():
    """'max_pooling2d_1 (MaxPooling2D)' is 30 characters: it ran into '(None, 3, 3, 4)'."""
    model = Sequential([tg.Conv2D(4, 3, input_shape=(8, 8, 1)), tg.MaxPooling2D(2)])
    text = text_of(model)
    assert row(text, "max_pooling2d_1")[:3] == ["max_pooling2d_1", "(MaxPooling2D)", "(None,"]
    lines = text.splitlines()
    assert len({len(line) for line in lines if line.startswith("=")}) == 1   # rules as wide
    assert row(text_of(Dense(4, input_dim=3, name="d")), "d")[:2] == ["d", "(Dense)"]


def test_keras_names_keep_acronyms_whole():
    assert MLP().name == "mlp"
    assert [_snake(n) for n in ("Dense", "TwoLayer", "MyMLPBlock", "ReLU")] == [
        "dense", "two_layer", "my_mlp_block", "re_lu"]           # Keras names ReLU re_lu too
    model = Sequential([MLP(), MLP()])
    assert [layer.name for layer in model] == ["mlp_1", "mlp_2"]


def test_forward_hooks_see_inputs_and_outputs_and_go_away():
    layer = Dense(2, input_dim=2)
    seen = []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append((m, inputs, out)))
    x = tg.Tensor(np.ones((3, 2), np.float32))
    out = layer(x)
    (m, inputs, got), = seen
    assert m is layer and inputs[0] is x and got is out
    handle.remove()
    handle.remove()                                    # twice: harmless
    layer(x)
    assert len(seen) == 1
    with pytest.raises(TypeError, match="register_forward_hook: the hook must be callable"):
        layer.register_forward_hook("print")


def test_input_shape_must_be_the_shape_of_one_sample():
    """(-1,), ('a',) and 2 were taken and printed a table that looked right."""
    built = Sequential([Dense(3, input_dim=2), Dense(1)])
    for bad in [(-1,), ("a",), 2, (), (2.5,)]:
        for model in (built, Sequential([Dense(3), Dense(1)])):
            with pytest.raises(ValueError, match=r"summary: input_shape must be the shape of one "
                                                 r"sample, a tuple of integers >= 1 such as \(2,\)"):
                model.summary(input_shape=bad, print_fn=lambda text: None)
    shown = []
    built.summary(input_shape=[2], print_fn=shown.append)
    assert "Total params: 13" in shown[0]
