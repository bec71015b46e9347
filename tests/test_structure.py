"""The shape of the package: arrows point one way, and each command goes through the library."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "facebuild"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """facebuild modules imported at module level, type-checking blocks included (a cycle
    there is a cycle for the reader and for mypy)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If | ast.Try):
            body.extend(node.body)
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("facebuild"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)  # from facebuild import x
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("facebuild"))
    return found


def _graph() -> dict[str, set[str]]:
    # the package's own __init__ names everything for type checkers only: not an arrow
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py"}
    # a package naming its own modules (its __init__'s re-exports) is not an arrow either
    return {name: {m for m in _top_level_imports(path)
                   if m in modules and m != name and not m.startswith(f"{name}.")}
            for name, path in modules.items()}


def test_no_import_cycle_between_engine_modules() -> None:
    """The builder, its report, the lock, dist, the commands...: one way only. (The drawing
    code of the sketch backend has a type-only cycle of its own, left to the backends.)"""
    graph = {name: {m for m in nexts if not m.startswith("facebuild.backends.")}
             for name, nexts in _graph().items() if not name.startswith("facebuild.backends.")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [name, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_loader_only_loads() -> None:
    """cast.py turns YAML into a cast: the schema's errors and the semantic checks are
    cast_checks.py's, the ai_facegen conversion and personas pre-load steps."""
    imports = _top_level_imports(PACKAGE / "cast.py")
    assert "pydantic" not in (PACKAGE / "cast.py").read_text(encoding="utf-8")
    assert "facebuild.personas" not in imports
    assert {"facebuild.cast_checks", "facebuild.cast_steps"} <= imports


def test_commands_reach_no_lock_store_or_dist_state() -> None:
    """clean, gc and diff go through the library (facebuild.clean, gc, estimate, diff)."""
    for command in ("clean", "gc", "diff"):
        text = (PACKAGE / "commands" / f"{command}.py").read_text(encoding="utf-8")
        for module in ("lock", "store", "distfiles", "diststate", "manifest"):
            assert f"from facebuild.{module} import" not in text, (command, module)
