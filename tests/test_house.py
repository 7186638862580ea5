"""The shape of the house: imports flow one way, and the docs quote the real engine."""
import ast
import inspect
import pathlib
import re

from tinygrad_edu import engine

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "tinygrad_edu"


def _module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph():
    """module -> the tinygrad_edu modules it imports (anywhere in the file)."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rsplit(".", 1)[0]
                target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                for alias in node.names:  # `from . import x` depends on the submodule x
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in modules else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
            elif w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph[w]))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_inside_the_package():
    assert cycles(import_graph()) == []


def test_the_core_layers_import_only_downward():
    order = ["errors", "monomorphic", "kernels", "recording", "inplace", "anomaly", "engine",
             "tensor", "function", "special", "ops", "nograd", "derived", "numpy_api",
             "activations", "conv", "methods"]
    graph = import_graph()
    for i, name in enumerate(order):
        for dep in graph[f"tinygrad_edu.{name}"]:
            short = dep.split(".", 1)[1]
            top = short.split(".")[0]              # a package's modules count as the package
            assert top in order[:i] or top == name or short == "random", f"{name} imports {short}"


def test_docs_quote_the_engine_loop_as_it_is():
    doc = (ROOT / "docs" / "autodiff.md").read_text(encoding="utf-8")
    quoted = re.search(r"```python\n(def backpropagate.*?)```", doc, re.S).group(1)
    assert quoted == inspect.getsource(engine.backpropagate)
    assert len(quoted.splitlines()) <= 35          # one screen
