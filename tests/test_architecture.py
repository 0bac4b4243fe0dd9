"""The shape of the code (docs/architecture.md), checked on every run.

The import graph is read from the source with :mod:`ast` (every ``import``
and ``from … import``, at module level or inside a function, a package's
``__init__`` counting as a module): it must have no cycle, and every import
must point to the same layer or a lower one. A new package must be given a
layer here, or the test fails and says so.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("orchestrator", "webui", "esl_handlers", "provisioning")

# Lowest first. A module may import its own layer or a lower one.
LAYERS: dict[str, int] = {
    # 0 domain: pure rules and value types, imports nothing of the project
    "orchestrator.domain": 0,
    # 1 storage and configuration
    "orchestrator.db": 1,
    "orchestrator.migrations": 1,
    "orchestrator.config": 1,
    # 2 engines and media: rendering, routing, the Event Socket protocol, media, mail
    "orchestrator.render": 2,
    "orchestrator.routing": 2,
    "orchestrator.esl": 2,
    "orchestrator.media": 2,
    "orchestrator.mail": 2,
    "orchestrator.fax": 2,
    "dialplan_templates": 2,
    # 3 services: the one write path, live call logic, apply, tenant documents
    "orchestrator.services": 3,
    "orchestrator.live": 3,
    "orchestrator.apply": 3,
    "orchestrator.tenantdoc": 3,
    "orchestrator.demo": 3,
    "orchestrator.runtime": 3,
    "provisioning": 3,
    # 4 interfaces: web UI and API, CLI, the gevent processes
    "webui": 4,
    "orchestrator.cli": 4,
    "esl_handlers": 4,
}
LAYER_NAMES = {0: "domain", 1: "storage", 2: "engines", 3: "services", 4: "interfaces"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(mod: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) for each import.
    An import inside a function is allowed only with a ``# lazy: <reason>``
    comment on its line (start-up cost, never a cycle)."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, str(path))
    is_pkg = path.name == "__init__.py"
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)) and "# lazy:" not in lines[inner.lineno - 1]:
                    nested.add(id(inner))
    out: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names]
            # ``from pkg import mod``: the submodule only (a package's
            # ``__init__`` runs before any of its modules, whoever imports it)
            names = subs if all(n in MODULES for n in subs) else [target, *subs]
        for name in names:
            resolved = _resolve(name)
            if resolved and resolved != mod:
                out.append((resolved, node.lineno, id(node) in nested))
    return out


GRAPH: dict[str, set[str]] = defaultdict(set)
WHERE: dict[tuple[str, str], int] = {}
LAZY: set[tuple[str, int, str]] = set()
for _mod, _path in MODULES.items():
    for _target, _line, _inner in _imports(_mod, _path):
        GRAPH[_mod].add(_target)
        WHERE.setdefault((_mod, _target), _line)
        if _inner:
            LAZY.add((_mod, _line, _target))


def layer_of(mod: str) -> int | None:
    best = max((k for k in LAYERS if mod == k or mod.startswith(k + ".")), key=len, default=None)
    return LAYERS[best] if best is not None else None


def _cycles() -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for mod in sorted(MODULES):
        if mod not in index:
            visit(mod)
    return found


def test_the_graph_is_read():
    assert len(MODULES) > 150
    assert "orchestrator.domain.errors" in GRAPH["orchestrator.services.context"]
    assert sum(len(v) for v in GRAPH.values()) > 500


def test_every_module_has_a_layer():
    missing = sorted(m for m in MODULES if layer_of(m) is None and m not in PACKAGES and m != "orchestrator")
    assert not missing, f"give these a layer in tests/test_architecture.py LAYERS: {missing}"


def test_no_import_cycle():
    cycles = _cycles()
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_imports_point_downwards():
    upward = []
    for mod, targets in GRAPH.items():
        own = layer_of(mod)
        for target in targets:
            theirs = layer_of(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{mod}:{WHERE[(mod, target)]} ({LAYER_NAMES[own]}) imports "
                              f"{target} ({LAYER_NAMES[theirs]})")
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(sorted(upward))


def test_domain_imports_nothing_else_of_the_project():
    outside = sorted(f"{m} imports {t}" for m, ts in GRAPH.items() if m.startswith("orchestrator.domain")
                     for t in ts if not t.startswith("orchestrator.domain"))
    assert not outside, outside


@pytest.mark.parametrize("pkg", ["orchestrator.render", "orchestrator.routing"])
def test_render_and_routing_use_only_domain_and_storage(pkg):
    allowed = ("orchestrator.domain", "orchestrator.db", "orchestrator.config", "orchestrator.render",
               "orchestrator.routing", "dialplan_templates")
    bad = sorted(f"{m} imports {t}" for m, ts in GRAPH.items() if m.startswith(pkg)
                 for t in ts if not t.startswith(allowed))
    assert not bad, bad


def test_no_lazy_import_of_project_modules():
    """An import inside a function is how a cycle gets hidden."""
    assert not LAZY, "imports inside functions:\n" + "\n".join(f"{m}:{line} imports {t}" for m, line, t in sorted(LAZY))


def test_gevent_only_in_the_event_socket_processes():
    users = []
    for mod, path in MODULES.items():
        if mod.startswith("esl_handlers"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n == "gevent" or n.startswith("gevent.") for n in names):
                users.append(f"{mod}:{node.lineno}")
    assert not users, users


def test_modules_stay_small():
    big = sorted(f"{m}: {n} lines" for m, p in MODULES.items()
                 if not m.startswith("orchestrator.migrations") and (n := len(p.read_text().splitlines())) > 500)
    assert not big, big
