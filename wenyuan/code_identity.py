"""A checksum of the code that computes a stage's result, for the keys of cached results.

A cache keyed on the package version alone serves stale results after a code change within one version (a
developer's checkout, a patched install). Hashing every source file would re-run all stages, OCR included,
for an edit to the TEI writer. So a stage is identified by its module and the project modules it imports,
followed statically (``import`` statements anywhere in the file, lazy ones inside functions included, relative
ones too). A package stands for its ``__init__.py``; its submodules count where something imports them.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import threading
from functools import cache
from pathlib import Path

import wenyuan

#: The project's top-level packages; imports of anything else (the standard library, torch, prefect) do not
#: count: their versions are pinned by the install, and the model folders are checksummed apart. The same
#: list as pyproject.toml's ``packages.find`` (tests/test_code_identity.py checks it): a package missing here
#: would drop out of every checksum and leave stale cached results after an edit to it.
PROJECT_PACKAGES = frozenset({"wenyuan", "tasks", "models", "corpora", "flows", "catalog", "app", "entities"})
#: ``ast.parse`` is not thread-safe in CPython 3.11 (two threads parsing at once can raise "AST constructor
#: recursion depth mismatch"), and the pages of a batch are processed in threads.
_PARSE_LOCK = threading.Lock()


def _source_file(module: str) -> Path | None:
    """The ``.py`` file of a project module, found on disk without importing anything."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)  # a top-level name: found, not executed
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@cache
def _imports(module: str, packages: frozenset[str]) -> tuple[str, ...]:
    """The modules of ``packages`` that ``module``'s source imports (a ``from pkg import name`` that names a
    submodule counts as that submodule)."""
    path = _source_file(module)
    if path is None:
        return ()
    with _PARSE_LOCK:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    # A relative import counts from the module's package (the module itself when it is an ``__init__.py``).
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in packages)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: max(len(package) - node.level + 1, 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target or target.split(".")[0] not in packages:
                continue
            found.add(target)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if _source_file(sub) is not None:
                    found.add(sub)
    return tuple(sorted(found))


def module_closure(module: str, packages: frozenset[str] = PROJECT_PACKAGES) -> list[str]:
    """``module`` and every module of ``packages`` it imports, directly or not, sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_imports(name, packages))
    return sorted(seen)


@cache
def code_checksum(*modules: str, packages: frozenset[str] = PROJECT_PACKAGES) -> str:
    """A short hash of the source of ``modules`` and of the project modules they import.

    Where no source can be read (a build without ``.py`` files), the package version stands in for it.
    """
    digest = hashlib.sha256()
    names = sorted({name for module in modules for name in module_closure(module, packages)})
    files = [(name, _source_file(name)) for name in names]
    if not any(path is not None for _, path in files):
        return f"v{wenyuan.__version__}"
    for name, path in files:
        if path is not None:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
