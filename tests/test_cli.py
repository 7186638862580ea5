"""The tinygrad-edu command: demo (the main job, in fast mode here), graph, --help."""
import pathlib
import subprocess
import sys

import pytest

from tinygrad_edu import cli
from figure_checks import check_file

ROOT = pathlib.Path(__file__).resolve().parent.parent

DEMO_FILES = {
    "fig1_dataset.png": None, "fig2_architecture.png": None,
    "fig3_decision_regions.gif": 3, "fig3_decision_regions.png": None,
    "fig4_neuron_graph.svg": None, "fig5_layer_graph.svg": None, "fig6_activations.png": None,
    "fig7_training.png": None, "fig7_training.gif": 3, "fig8_loss_surface.png": None,
    "fig9_forward_graph.svg": None, "fig9_backward_graph.svg": None,
}


def test_demo_fast_writes_every_figure(tmp_path, capsys):
    assert cli.main(["demo", "--fast", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DEMO_FILES)
    for name, frames in DEMO_FILES.items():
        check_file(str(tmp_path / name), frames)
        assert f"wrote {tmp_path / name}" in out, f"the demo did not say where {name} went"
    assert "test accuracy:" in out and "test loss:" in out
    assert "12 files written" in out
    assert "derivatives match the closed forms" in out


def test_demo_fast_shows_a_progress_bar(tmp_path, capsys):
    from tinygrad_edu.article import run_demo
    result = run_demo(out=str(tmp_path), fast=True, verbose=1, log=lambda *a: None)
    err = capsys.readouterr().err
    assert "Epoch 3/3" in err                     # tqdm writes to stderr
    assert 0.0 <= result["test_accuracy"] <= 1.0 and result["test_loss"] > 0


def test_demo_seed_changes_the_run(tmp_path):
    from tinygrad_edu.article import run_demo
    a = run_demo(out=str(tmp_path / "a"), seed=1, fast=True, verbose=0, log=lambda *a: None)
    b = run_demo(out=str(tmp_path / "b"), seed=2, fast=True, verbose=0, log=lambda *a: None)
    c = run_demo(out=str(tmp_path / "c"), seed=1, fast=True, verbose=0, log=lambda *a: None)
    assert a["test_loss"] == c["test_loss"] != b["test_loss"]


@pytest.mark.parametrize("what,mode", [("neuron", "forward"), ("network", "backward")])
def test_graph_command(tmp_path, capsys, what, mode):
    path = tmp_path / "g.svg"
    assert cli.main(["graph", "--what", what, "--mode", mode, "--out", str(path)]) == 0
    check_file(str(path))
    assert f"wrote {path}" in capsys.readouterr().out


def test_graph_command_png(tmp_path):
    path = tmp_path / "sub" / "g.png"
    assert cli.main(["graph", "--out", str(path)]) == 0
    check_file(str(path))


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"], ["graph", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    assert "usage: tinygrad-edu" in capsys.readouterr().out


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["train"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_runs():
    proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and "demo" in proc.stdout and "graph" in proc.stdout
