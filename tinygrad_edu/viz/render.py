"""Turning DOT text into a picture: Graphviz's ``dot`` when it is installed, else graphviz-pure.

A drawing is DOT text (``graph.source``); a layout program turns it into SVG
or PNG.  Two programs can do it, and :func:`renderer` picks one:

* ``dot``, the Graphviz program, when it is on ``PATH`` (a system install:
  ``apt-get install graphviz``, ``brew install graphviz``, ...);
* otherwise ``graphviz-pure``, a self-contained port of Graphviz that ``pip``
  installs (the ``graphviz-pure`` package, part of ``tinygrad_edu[viz]``).  It
  needs no system library, no root and no compiler, and writes the same bytes
  on every platform (it brings its own fonts).  It writes SVG, PNG and JPEG,
  but not PDF.

Both take the same command line (``-K<engine> -T<format>``, DOT text on
standard input), so :func:`run` is the same for both.  The environment
variable ``TINYGRAD_EDU_RENDERER`` (``dot`` or ``graphviz-pure``) forces one;
``scripts/make_graph_images.py`` forces graphviz-pure, so that the docs'
pictures do not depend on the machine that made them.

Examples
--------
>>> from tinygrad_edu.viz import render
>>> render.renderer()[0] in ("dot", "graphviz-pure")
True
>>> render.run("digraph { a -> b }", "svg")[:5]
b'<?xml'
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["GraphvizNotFoundError", "renderer", "run", "PURE_FORMATS"]

PURE = "graphviz-pure"
#: What graphviz-pure can write (``dot`` writes these and more, PDF included).
PURE_FORMATS = ("svg", "png", "jpeg", "jpg", "dot", "gv", "xdot", "json", "plain", "canon")


class GraphvizNotFoundError(RuntimeError):
    """No program to lay out the graph: neither Graphviz's ``dot`` nor graphviz-pure."""


def _pure_path():
    """Where the ``graphviz-pure`` program is: on PATH, or beside this Python (a venv's bin/)."""
    found = shutil.which(PURE)
    if found:
        return found
    folders = {sysconfig.get_path("scripts"), os.path.dirname(sys.executable)}
    try:
        folders.add(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:                                  # pragma: no cover - no user scheme
        pass
    for folder in sorted(f for f in folders if f):
        for name in (PURE, PURE + ".exe"):
            path = pathlib.Path(folder) / name
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    return None


def renderer():
    """``(name, path)`` of the program that lays out graphs: ``'dot'`` or ``'graphviz-pure'``.

    ``dot`` when it is on PATH, else graphviz-pure; ``TINYGRAD_EDU_RENDERER``
    (``dot`` or ``graphviz-pure``) forces one.  Raises
    :class:`GraphvizNotFoundError`, saying what to install, when there is none.
    """
    forced = os.environ.get("TINYGRAD_EDU_RENDERER", "").strip()
    if forced not in ("", "dot", PURE):
        raise ValueError(f"TINYGRAD_EDU_RENDERER must be 'dot' or '{PURE}', got {forced!r}")
    dot = shutil.which("dot") if forced in ("", "dot") else None
    if dot:
        return "dot", dot
    pure = _pure_path() if forced in ("", PURE) else None
    if pure:
        return PURE, pure
    raise GraphvizNotFoundError(_missing_message(forced))


def _missing_message(forced):
    """What to install when no layout program is there."""
    wanted = f"the program {forced!r} (TINYGRAD_EDU_RENDERER)" if forced else \
        "Graphviz's 'dot' program or the graphviz-pure package"
    return (f"Rendering a graph needs {wanted}, and it was not found. The simplest: "
            f"'pip install graphviz-pure' (it comes with pip install 'tinygrad_edu[viz]'; no root, "
            f"no system package). Or install Graphviz itself: Debian/Ubuntu 'sudo apt-get install "
            f"graphviz', Fedora 'sudo dnf install graphviz', macOS 'brew install graphviz', conda "
            f"'conda install -c conda-forge graphviz', Windows https://graphviz.org/download/. "
            f"Without either, graph.source and save_graph(..., format='dot') still work.")


def run(source, fmt, engine="dot"):
    """Lay out the DOT text ``source`` and return the picture in format ``fmt``, as bytes.

    Parameters
    ----------
    source : str
        DOT text (``graph.source``).
    fmt : str
        'svg', 'png', ... (graphviz-pure does not write 'pdf').
    engine : str
        The Graphviz layout engine, 'dot' for our graphs.
    """
    name, path = renderer()
    if name == PURE and fmt not in PURE_FORMATS:
        raise GraphvizNotFoundError(
            f"graphviz-pure (used because Graphviz's 'dot' is not installed) cannot write "
            f"{fmt!r}; it writes {', '.join(PURE_FORMATS[:3])}. Save as .svg or .png, or install "
            f"Graphviz for {fmt!r} (Debian/Ubuntu 'sudo apt-get install graphviz', macOS 'brew "
            f"install graphviz').")
    proc = subprocess.run([path, f"-K{engine}", f"-T{fmt}"], input=source.encode("utf-8"),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} could not render the graph (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()[:2000]}")
    return proc.stdout
