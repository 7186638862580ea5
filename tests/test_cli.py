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
    "dead_relu_backward.svg": None,
    "diagnostics.png": None, "diagnostics_dying_seed.png": None,
}


def test_demo_fast_writes_every_figure(tmp_path, capsys):
    assert cli.main(["demo", "--fast", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DEMO_FILES)
    for name, frames in DEMO_FILES.items():
        check_file(str(tmp_path / name), frames)
        assert f"wrote {tmp_path / name}" in out, f"the demo did not say where {name} went"
    assert "test accuracy:" in out and "test loss:" in out
    assert "15 files written" in out
    assert "DeadUnitWarning: every ReLU unit of layer 'dense_4'" in out   # the seed that dies
    assert "derivatives match the closed forms" in out
    assert "Epoch 3/3" in captured.err                # the progress bar (tqdm, on stderr)


@pytest.mark.parametrize("argv,expected", [
    ([], dict(out="out", seed=3, fast=False, verbose=1)),
    (["--out", "figs", "--seed", "7", "--fast", "--quiet"], dict(out="figs", seed=7, fast=True,
                                                               verbose=0)),
])
def test_demo_options_reach_the_main_job(argv, expected, monkeypatch, capsys):
    from tinygrad_edu import article
    seen = {}

    def fake_run_demo(**kwargs):
        seen.update(kwargs)
        return dict(files={}, test_accuracy=1.0, test_loss=0.5, seconds=0.0)

    monkeypatch.setattr(article, "run_demo", fake_run_demo)
    assert cli.main(["demo"] + argv) == 0
    assert seen == expected
    assert "test accuracy: 1.0000   test loss: 0.5000" in capsys.readouterr().out


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


def _hide_dot(monkeypatch, pure_too):
    """No Graphviz ``dot`` on PATH (and, with ``pure_too``, no graphviz-pure either)."""
    import shutil
    from tinygrad_edu.viz import render
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None if cmd == "dot"
                        else real_which(cmd, *a, **k))
    if pure_too:
        monkeypatch.setattr(render, "_pure_path", lambda: None)


def test_graph_figures_without_any_graphviz_program_are_dot_text(tmp_path, monkeypatch):
    from tinygrad_edu import article
    _hide_dot(monkeypatch, pure_too=True)
    messages = []
    path = article.graphs.draw_or_write_dot(article.plot_neuron_graph, messages.append,
                                            str(tmp_path / "neuron.svg"))
    assert path.endswith("neuron.dot") and not (tmp_path / "neuron.svg").exists()
    assert (tmp_path / "neuron.dot").read_text().startswith("digraph")
    assert "no layout program is installed (pip install graphviz-pure" in messages[0]


def test_graph_command_collapse_and_missing_dot(tmp_path, monkeypatch, capsys):
    full, boxed = tmp_path / "full.dot", tmp_path / "boxed.dot"
    assert cli.main(["graph", "--what", "network", "--out", str(full)]) == 0
    assert cli.main(["graph", "--what", "network", "--collapse", "module", "--out",
                     str(boxed)]) == 0
    full_text, boxed_text = full.read_text(), boxed.read_text()
    assert full_text.count("->") > 2 * boxed_text.count("->")     # far fewer nodes and edges
    assert "dense_3" in boxed_text
    _hide_dot(monkeypatch, pure_too=False)              # graphviz-pure draws instead of dot
    assert cli.main(["graph", "--out", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()
    _hide_dot(monkeypatch, pure_too=True)
    capsys.readouterr()
    assert cli.main(["graph", "--out", str(tmp_path / "h.svg")]) == 1
    assert "pip install graphviz-pure" in capsys.readouterr().err


def test_missing_matplotlib_is_explained(tmp_path, monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    import importlib
    real_import_module = importlib.import_module

    def import_module(name, *args):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import_module(name, *args)

    monkeypatch.setattr(importlib, "import_module", import_module)
    assert cli.main(["demo", "--fast", "--quiet", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "tinygrad-edu demo:" in err and "pip install 'tinygrad_edu[viz]'" in err
