"""The layout's rules, checked on the source: the engine never imports the pages, pages never import each other, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPOSITORY

PACKAGES = ("model", "ui")
# The Draw page shows the explanations under its reading: ui/explain/ is a part of it, not a page of its own.
PAGES = {"ui.draw": {"ui.explain"}, "ui.explain": set(), "ui.train": set(), "ui.evaluate": set(), "ui.compare": set()}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPOSITORY).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every project module and the project modules it imports, at its top or inside a function."""
    modules = {_module_name(path): path for package in PACKAGES for path in (REPOSITORY / package).rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {imported for imported in found if imported in modules and imported != name}
    return graph


def test_the_engine_imports_neither_streamlit_nor_the_pages():
    for path in (REPOSITORY / "model").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {name for name in imported if name.split(".")[0] in ("streamlit", "ui")}, path


def test_pages_do_not_import_each_other():
    for module, imported in _imports().items():
        page = next((page for page in PAGES if module == page or module.startswith(page + ".")), None)
        if page is None:
            continue
        for other in PAGES:
            if other != page and other not in PAGES[page]:
                assert not [name for name in imported if name == other or name.startswith(other + ".")], (module, other)


def test_there_are_no_import_cycles():
    graph = _imports()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            assert state.get(imported) != "open", " → ".join([*path, module, imported])
            if imported not in state:
                visit(imported, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
