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
    "digits_cnn.py": (["--fast"], {"digits_filters.png": None, "digits_feature_maps.png": None,
                                   "digits_conv_sliding.gif": 4, "digits_conv_backward.svg": None,
                                   "digits_conv_backward_expanded.svg": None}),
}
NEEDS = {"digits_cnn.py": "sklearn"}     # examples that need an optional package


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name[:-3]}", EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_covered():
    covered = set(CASES) | {"dying_relu.py"}   # dying_relu.py: see its own test below
    assert {p.name for p in EXAMPLES.glob("*.py")} <= covered


def test_dying_relu_example_fast(tmp_path):
    # in a subprocess: it trains seeds in worker processes, which must import it by path
    proc = subprocess.run([sys.executable, str(EXAMPLES / "dying_relu.py"), "--fast", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    check_file(str(tmp_path / "dying_relu.png"))
    assert "seed" in (tmp_path / "dying_relu.md").read_text()


def run(name, out, capsys):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    args, outputs = CASES[name]
    result = load(name).main(["--out", str(out), "--seed", "3"] + args)
    printed = capsys.readouterr().out
    for fname, frames in outputs.items():
        path = out / fname
        assert path.exists(), f"{name} did not write {fname}"
        check_file(str(path), frames)
        assert f"wrote {path}" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(outputs)
    assert sorted(pathlib.Path(f).name for f in result["files"]) == sorted(outputs)
    return result


@pytest.mark.parametrize("name", sorted(set(CASES) - {"circles_keras.py"}))
def test_example_runs_and_writes_its_figures(name, tmp_path, capsys):
    run(name, tmp_path, capsys)


@pytest.fixture(scope="module")
def keras_result(tmp_path_factory):
    """The article's snippet (always the full 50 epochs), run once for this module."""
    out = tmp_path_factory.mktemp("circles_keras")
    result = load("circles_keras.py").main(["--out", str(out), "--seed", "3"])
    return out, result


def test_circles_keras_is_the_articles_result(keras_result):
    """The article's snippet, 50 epochs, demo seed: test accuracy 1.0, and its figure."""
    out, result = keras_result
    assert result["test_accuracy"] == 1.0 and result["test_loss"] < 0.01
    check_file(str(out / "circles_keras.png"))


def test_raw_tensor_network_matches_the_keras_api(keras_result, tmp_path):
    """The raw-Tensor network with a hand-written Adam trains exactly like Sequential + 'adam'."""
    raw = load("circles_tensor_api.py").main(["--out", str(tmp_path), "--seed", "3"])
    keras = keras_result[1]
    assert raw["test_accuracy"] == keras["test_accuracy"] == 1.0
    assert np.isclose(raw["test_loss"], keras["test_loss"], rtol=1e-3)
    assert max(raw["backprop_errors"].values()) < 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        load(name).main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--out" in out and "--seed" in out
    assert ("--fast" in out) == ("--fast" in CASES[name][0])


def test_example_runs_standalone():
    proc = subprocess.run([sys.executable, str(EXAMPLES / "fig3_decision_regions.py"), "--help"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "epoch: NNN" in proc.stdout
