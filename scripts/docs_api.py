"""The API reference and source pages of the docs, generated from the code.

Used two ways:

* as an MkDocs hook (``hooks: [scripts/docs_api.py]`` in mkdocs.yml): at build
  time it adds ``api/<module>.md`` (one page per module, from the docstrings)
  and ``source/<file>.md`` (the file's code) to the site.  Nothing generated is
  written into docs/, so the pages can never go stale;
* as a script, ``python scripts/docs_api.py OUTDIR``, which writes the same
  Markdown files to OUTDIR (to read them without building the site).

Docstrings are NumPy style.  The converter knows its sections (Parameters,
Returns, Raises, Examples, ...): parameter lists become definition lists,
``>>>`` examples become ``pycon`` code blocks, the rest is kept as text.
"""
from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: (module, title) -- one API page each, in this order.
MODULES = [
    ("tinygrad_edu", "tinygrad_edu (top level)"),
    ("tinygrad_edu.tensor", "tensor: the Tensor"),
    ("tinygrad_edu.autograd", "autograd: the public names, and the module map"),
    ("tinygrad_edu.recording", "recording: grad mode, scopes, watchers"),
    ("tinygrad_edu.engine", "engine: reverse mode"),
    ("tinygrad_edu.function", "function: Function, one recorded op"),
    ("tinygrad_edu.inplace", "inplace: in-place changes, made safe"),
    ("tinygrad_edu.anomaly", "anomaly: detect_anomaly"),
    ("tinygrad_edu.kernels", "kernels: speed tricks"),
    ("tinygrad_edu.monomorphic", "monomorphic: one bytecode copy per op class"),
    ("tinygrad_edu.ops", "ops: the primitives"),
    ("tinygrad_edu.derived", "derived: everything else"),
    ("tinygrad_edu.nograd", "nograd: no-gradient results, step functions"),
    ("tinygrad_edu.conv", "conv: convolution and pooling, derived"),
    ("tinygrad_edu.numpy_api", "numpy_api: NumPy's vocabulary, derived"),
    ("tinygrad_edu.activations", "activations: softplus, gelu, elu, ..."),
    ("tinygrad_edu.special", "special: erf on arrays (Cody)"),
    ("tinygrad_edu.jit", "jit: replaying a traced step"),
    ("tinygrad_edu.nn", "nn: layers and models"),
    ("tinygrad_edu.nn.functional", "nn.functional: losses and activations"),
    ("tinygrad_edu.nn.init", "nn.init: initializers"),
    ("tinygrad_edu.optim", "optim: optimizers"),
    ("tinygrad_edu.training", "training: fit machinery and callbacks"),
    ("tinygrad_edu.datasets", "datasets"),
    ("tinygrad_edu.random", "random: seeding"),
    ("tinygrad_edu.io", "io: saving weights"),
    ("tinygrad_edu.drawing", "drawing: the figures' matplotlib kit"),
    ("tinygrad_edu.viz", "viz: drawing graphs"),
    ("tinygrad_edu.testing", "testing: gradient checks"),
    ("tinygrad_edu.article", "article: the article's figures"),
    ("tinygrad_edu.cli", "cli: the tinygrad-edu command"),
]

#: Source files shown as pages (the docs link to them).
SOURCES = ["tinygrad_edu/engine.py", "tinygrad_edu/function.py", "tinygrad_edu/tensor.py",
           "tinygrad_edu/ops.py", "tinygrad_edu/derived.py", "tinygrad_edu/conv.py",
           "tinygrad_edu/methods.py",
           "tinygrad_edu/inplace.py", "tinygrad_edu/jit.py", "tinygrad_edu/nn/functional.py"]

_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}\s*$", re.M)
_PARAM_SECTIONS = {"Parameters", "Returns", "Yields", "Raises", "Attributes", "Other Parameters",
                   "Warns", "Keyword Arguments"}


def slug(module: str) -> str:
    return module.replace(".", "-")


def _params_md(body: str) -> str:
    """'name : type\\n    text' entries -> a Markdown list."""
    out, current = [], None
    for line in body.splitlines():
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            name, _, typ = line.partition(" : ")
            current = [f"- **`{name.strip()}`**" + (f" (*{typ.strip()}*)" if typ.strip() else "")]
            out.append(current)
        elif current is not None:
            current.append(line.strip())
        else:
            out.append([line.strip()])
    return "\n".join(" ".join(item[:1]) + (" — " + " ".join(item[1:]) if len(item) > 1 else "")
                     for item in out)


def _examples_md(body: str) -> str:
    """Doctest text -> pycon code blocks, prose between them kept as text."""
    out, block, prose = [], [], []

    def flush_block():
        if block:
            out.append("```pycon\n" + "\n".join(block).rstrip() + "\n```")
            block.clear()

    def flush_prose():
        if prose:
            out.append(" ".join(prose))
            prose.clear()

    in_block = False
    for line in body.splitlines():
        if line.lstrip().startswith(">>>"):
            flush_prose()
            in_block = True
        if in_block:
            if not line.strip():
                in_block = False
                flush_block()
                continue
            block.append(line)
        elif line.strip():
            prose.append(line.strip())
        else:
            flush_prose()
    flush_block()
    flush_prose()
    return "\n\n".join(out)


def _text_md(text: str) -> str:
    """Plain docstring prose: keep paragraphs, protect indented blocks as code."""
    out, code = [], []
    for line in text.splitlines():
        if line.startswith("    ") and (code or not out or not out[-1].strip()):
            code.append(line[4:])
            continue
        if code:
            out.append("```text\n" + "\n".join(code).rstrip() + "\n```")
            code = []
        out.append(line)
    if code:
        out.append("```text\n" + "\n".join(code).rstrip() + "\n```")
    return "\n".join(out)


_ROLE = re.compile(r":(?:py:)?(?:func|class|data|meth|mod|attr|exc|obj):`~?([^`]+)`")


def docstring_md(doc: str | None) -> str:
    """A NumPy-style docstring as Markdown (Sphinx roles like :func:`x` become `x`)."""
    if not doc:
        return "*(no docstring)*"
    doc = _ROLE.sub(lambda m: f"``{m.group(1)}``", inspect.cleandoc(doc))
    parts = _SECTION.split(doc)
    md = [_text_md(parts[0].strip())]
    for title, body in zip(parts[1::2], parts[2::2]):
        title = title.strip()
        body = inspect.cleandoc("\n" + body.strip("\n")) if body.strip() else ""
        if title in _PARAM_SECTIONS:
            md.append(f"**{title}**\n\n{_params_md(body)}")
        elif title == "Examples":
            md.append(f"**Examples**\n\n{_examples_md(body)}")
        else:
            md.append(f"**{title}**\n\n{_text_md(body)}")
    return "\n\n".join(m for m in md if m.strip())


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _public_names(mod):
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items() if not n.startswith("_")
                 and getattr(v, "__module__", None) == mod.__name__]
    return [n for n in names if hasattr(mod, n)]


def _members(cls):
    """Public methods and properties defined on the class itself, in source order."""
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__call__"):
            continue
        if isinstance(value, property):
            yield name, value, "property"
        elif isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__, type(value).__name__
        elif inspect.isfunction(value):
            yield name, value, "method"


def module_md(modname: str, title: str | None = None) -> str:
    """The API page of one module."""
    mod = importlib.import_module(modname)
    lines = [f"# {title or modname}", "", f"`import {modname}`", "", docstring_md(mod.__doc__), ""]
    for name in _public_names(mod):
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        qual = f"{modname}.{name}"
        if inspect.isclass(obj):
            lines += [f"## class `{name}`", "", f"```text\n{qual}{_signature(obj)}\n```", "",
                      docstring_md(obj.__doc__), ""]
            for mname, member, kind in _members(obj):
                if mname == "__init__" and not member.__doc__:
                    continue
                if not member.__doc__:
                    continue
                sig = "" if kind == "property" else _signature(member)
                lines += [f"### `{name}.{mname}{sig}`" if kind != "property"
                          else f"### `{name}.{mname}` (property)", "",
                          docstring_md(member.__doc__), ""]
        elif callable(obj):
            lines += [f"## `{name}{_signature(obj)}`", "", docstring_md(obj.__doc__), ""]
        else:
            lines += [f"## `{name}`", "", f"```text\n{name} = {obj!r}\n```"[:2000], ""]
    return "\n".join(lines)


def source_md(relpath: str) -> str:
    code = (ROOT / relpath).read_text(encoding="utf-8")
    return (f"# `{relpath}`\n\nThe complete file, as it is in the repository.\n\n"
            f"```python\n{code}\n```\n")


def pages() -> dict:
    """``{docs-relative path: markdown}`` for every generated page."""
    sys.path.insert(0, str(ROOT))
    out = {}
    index = ["# API reference", "",
             "Generated from the docstrings at build time (`scripts/docs_api.py`).", ""]
    for modname, title in MODULES:
        try:
            out[f"api/{slug(modname)}.md"] = module_md(modname, title)
        except ImportError as e:  # a module that is not there yet
            print(f"docs_api: skipping {modname}: {e}", file=sys.stderr)
            continue
        index.append(f"- [{title}]({slug(modname)}.md)")
    out["api/index.md"] = "\n".join(index) + "\n"
    src_index = ["# Source", "", "The core files, to read next to the tutorial.", ""]
    for rel in SOURCES:
        name = rel.replace("tinygrad_edu/", "").replace("/", "-").replace(".py", "")
        out[f"source/{name}.md"] = source_md(rel)
        src_index.append(f"- [`{rel}`]({name}.md)")
    out["source/index.md"] = "\n".join(src_index) + "\n"
    return out


# ---------------------------------------------------------------- mkdocs hook --
def on_files(files, config):
    """MkDocs hook: add the generated pages to the site."""
    from mkdocs.structure.files import File
    for path, content in pages().items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


if __name__ == "__main__":
    outdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/api-md")
    for path, content in pages().items():
        target = outdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(target)
