"""The packages' modules import each other one way: a walk over every import (at the top of a module or inside
a function) finds no cycle among the modules of workflow/, routing/, signing/ and congvan/, and no import against
the direction of the layers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workflow", "routing", "signing")
# Entry points that sit above every feature (they wire the packages together): imported by nothing of ours.
ENTRY_POINTS = {"congvan.cli", "congvan.demo_day"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports that module; `from module import name`, the module.
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                targets.add(full if full in known else node.module)
    return {t for t in targets if t in known}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycle() -> None:
    graph = _graph()
    for name, targets in graph.items():
        assert name in ENTRY_POINTS or not targets & ENTRY_POINTS, f"{name} imports an entry point"
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}


# Who may not import whom: signing is a pure adapter, workflow knows nothing of routing (routing listens to its
# signals), and the command line sits above everything.
FORBIDDEN = {
    "signing": ("workflow", "routing", "congvan"),
    "workflow": ("routing", "congvan"),
    "routing": ("congvan",),
}


def test_dependencies_point_one_way() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for target in sorted(targets)
        if any(target.split(".")[0] == banned for banned in FORBIDDEN.get(name.split(".")[0], ()))
    ]
    assert wrong == []


def test_the_walk_sees_the_imports_inside_functions() -> None:
    # routing.connect imports its pages inside the function (to subscribe them): the walk must see it, or a rule
    # above could pass by not looking.
    assert "routing.deliveries.pages" in _graph()["routing"]


def test_every_job_names_a_function_on_a_known_queue() -> None:
    import importlib

    from workflow import outbox

    for job in outbox.JOBS:
        module, name = job.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), job
        assert job.queue in outbox.QUEUES, job
