"""Every script in examples/ runs (fast mode where it trains) and writes valid figures."""
import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from figure_checks import check_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# script -> (extra arguments, {output file: GIF frame count or None})
CASES = {
    "circles_keras.py": ([], {"circles_keras.png": None}),
    "circles_tensor_api.py": (["--fast"], {"circles_tensor_api.png": None}),
    "fig1_dataset.py": ([], {"fig1_dataset.png": None}),
    "fig2_architecture.py": ([], {"fig2_architecture.png": None}),
    "fig3_decision_regions.py": (["--fast"], {"fig3_decision_regions.gif": 3,
                                              "fig3_decision_regions.png": None}),
    "fig4_neuron_graph.py": ([], {"fig4_neuron_graph.svg": None, "fig4_neuron_backward.svg": None}),
    "fig5_layer.py": ([], {"fig5_layer_graph.svg": None}),
    "fig6_activations.py": ([], {"fig6_activations.png": None}),
    "fig7_training_curves.py": (["--fast"], {"fig7_training.png": None, "fig7_training.gif": 3}),
    "fig8_gradient_descent.py": (["--fast"], {"fig8_loss_surface.png": None}),
    "fig9_forward_backward.py": ([], {"fig9_forward_graph.svg": None,
                                      "fig9_backward_graph.svg": None}),
}


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name[:-3]}", EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_covered():
    mine = set(CASES) | {"dying_relu.py"}      # dying_relu.py is tested in tests/test_nn*.py
    assert {p.name for p in EXAMPLES.glob("*.py")} <= mine


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_and_writes_its_figures(name, tmp_path, capsys):
    args, outputs = CASES[name]
    result = load(name).main(["--out", str(tmp_path), "--seed", "3"] + args)
    printed = capsys.readouterr().out
    for fname, frames in outputs.items():
        path = tmp_path / fname
        assert path.exists(), f"{name} did not write {fname}"
        check_file(str(path), frames)
        assert f"wrote {path}" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(outputs)
    assert sorted(pathlib.Path(f).name for f in result["files"]) == sorted(outputs)


def test_circles_keras_is_the_articles_result(tmp_path):
    """The article's snippet, 50 epochs, demo seed: test accuracy 1.0."""
    result = load("circles_keras.py").main(["--out", str(tmp_path), "--seed", "3"])
    assert result["test_accuracy"] == 1.0 and result["test_loss"] < 0.01


def test_raw_tensor_network_matches_the_keras_api(tmp_path):
    """The raw-Tensor network with a hand-written Adam trains exactly like Sequential + 'adam'."""
    from tinygrad_edu import article
    raw = load("circles_tensor_api.py").main(["--out", str(tmp_path), "--seed", "3"])
    model, _, (_, X_test, _, y_test) = article.train_article_model(3)
    loss, acc = model.evaluate(X_test, y_test, verbose=0)
    assert raw["test_accuracy"] == acc == 1.0
    assert np.isclose(raw["test_loss"], loss, rtol=1e-3)
    assert max(raw["backprop_errors"].values()) < 1e-6


@pytest.mark.parametrize("name", ["circles_keras.py", "fig3_decision_regions.py"])
def test_example_help_runs_standalone(name):
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), "--help"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "--out" in proc.stdout and "--seed" in proc.stdout
