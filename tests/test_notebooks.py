"""The notebooks in notebooks/ run top to bottom (nbclient + ipykernel), graphs and explorer inline."""
import os
import pathlib
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _run(path, cwd):
    """Execute the notebook at ``path`` in a fresh kernel, in folder ``cwd``; return it and seconds."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return nb, time.perf_counter() - start


def _outputs(nb):
    """Every output's MIME types, cell by cell."""
    return [set(o.get("data", {})) | ({o["output_type"]} if o["output_type"] == "stream" else set())
            for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_the_three_notebooks_are_there_and_stored_without_outputs():
    import json
    assert [p.name for p in NOTEBOOKS] == ["01_article_tutorial.ipynb",
                                          "02_engine_walkthrough.ipynb", "03_explorer.ipynb"]
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb, seconds = _run(path, tmp_path)
    print(f"{path.name}: {seconds:.1f} s")
    assert seconds < 60
    outputs = _outputs(nb)
    kinds = set().union(*outputs)
    if path.stem != "03_explorer":
        assert "image/svg+xml" in kinds                              # graphs shown inline
    if path.stem == "01_article_tutorial":
        assert "image/png" in kinds                                  # matplotlib figures
        assert sum("image/svg+xml" in o for o in outputs) == 5      # figures 4, 5, 9
    if path.stem == "03_explorer":
        frames = [o["data"]["text/html"] for cell in nb.cells if cell.cell_type == "code"
                  for o in cell.outputs if "text/html" in o.get("data", {})]
        assert len(frames) == 2 and all(f.startswith("<iframe srcdoc=") for f in frames)
        assert (tmp_path / "out" / "graph.html").stat().st_size > 100_000
