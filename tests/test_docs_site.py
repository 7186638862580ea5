"""The docs site: the generated API reference, and `mkdocs build --strict` succeeding."""
import importlib
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
docs_api = importlib.import_module("docs_api")


@pytest.fixture(scope="module")
def pages():
    return docs_api.pages()


def test_every_module_has_an_api_page(pages):
    for modname, _ in docs_api.MODULES:
        page = pages[f"api/{docs_api.slug(modname)}.md"]
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            if not isinstance(getattr(mod, name), type(sys)):     # submodules are skipped
                assert f"`{name}" in page, f"{name} missing from the {modname} page"
    assert "fit" in pages["api/tinygrad_edu-nn.md"]


def test_docstring_conversion():
    md = docs_api.docstring_md('''Summary line, see :func:`grad`.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, optional

    Examples
    --------
    >>> 1 + 1
    2
    ''')
    assert "``grad``" in md and ":func:" not in md
    assert "- **`x`** (*Tensor*) — The input." in md
    assert "- **`axis`** (*int, optional*)" in md
    assert "```pycon\n>>> 1 + 1\n2\n```" in md


def test_source_pages_hold_the_code(pages):
    assert "class MatMul(Primitive)" in pages["source/ops.md"]
    assert "def backpropagate" in pages["source/engine.md"]


def test_nav_files_exist():
    import re
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    generated = set(docs_api.pages())
    for target in re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.M):
        assert (ROOT / "docs" / target).exists() or target in generated, target


def test_images_referenced_by_the_docs_exist():
    import re
    for page in (ROOT / "docs").rglob("*.md"):
        for img in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / img).resolve().exists(), f"{page.name}: {img}"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "tinygrad_edu-article" / "index.html").exists()
    assert (tmp_path / "site" / "tutorial" / "backprop" / "index.html").exists()
