"""The project's layers only point down, and no module imports itself back (docs/architecture.md).

Read from the source (module-level and in-function imports), so a new upward import or cycle fails here
before it confuses a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Bottom to top: a package may import its own layer and those below it.
LAYERS = ["wenyuan", "corpora", "models", "entities", "tasks", "catalog", "flows", "app"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(f): f for package in LAYERS for f in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def test_every_import_points_down_a_layer_or_within_one():
    rank = {package: k for k, package in enumerate(LAYERS)}
    upward = [
        f"{m} -> {t}"
        for m, targets in import_graph().items()
        for t in targets
        if rank[t.split(".")[0]] > rank[m.split(".")[0]]
    ]
    assert upward == []


def test_no_import_cycle():
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_pipeline_never_imports_the_lexicon_miners():
    graph = import_graph()
    reach, todo = set(), ["flows.digitize", "app.cli"]
    while todo:
        m = todo.pop()
        for t in graph.get(m, ()):
            if t not in reach:
                reach.add(t)
                todo.append(t)
    assert not [m for m in reach if m.startswith("entities.mining")]
