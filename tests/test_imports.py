"""The modules of jaccli import each other without a circle: every ``import`` statement of
every module under jaccli/ (at module level or inside a function) is an edge of a graph that
must be acyclic, so each layer only reaches the ones below it (DESIGN.md section 4)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "jaccli"


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name, path, modules):
    """The jaccli modules that ``name`` imports (a package's own submodules included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            submodules = {f"{target}.{a.name}" for a in node.names} & set(modules)
            if len(submodules) < len(node.names):     # names defined in target itself
                found.add(target)
            found.update(submodules)
    return {m for m in found if m in modules and m != name}


def _cycle(graph):
    """One import circle as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_module_import_graph_is_acyclic():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "jaccli.dispatch" in graph["jaccli.tracer"]
    assert "jaccli.numpy_api" in graph["jaccli"]
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_the_checker_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_numpy_api_is_imported_in_one_place_only():
    importers = sorted(name for name, path in _modules().items()
                       if "jaccli.numpy_api" in _imports(name, path, _modules())
                       and not name.startswith("jaccli.numpy_api"))
    assert importers == ["jaccli"]


def test_no_module_imports_another_ones_private_names():
    private = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or node.module.startswith("jaccli")):
                private += [f"{name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
