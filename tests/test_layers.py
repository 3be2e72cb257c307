"""The package's layers: arrows point down only, and no module imports itself back.

Every ``import`` in every module counts, those inside functions too: a function-level
import that closes a cycle still ties the two modules together (and works only by the
luck of which runs first). Modules are read with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voicecoach"

#: Stages, bottom first. A module may import its own layer or one below, never above.
#: Sub-packages take their package's layer (``export.page`` is ``export``).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shared ground", ("errors", "model", "files", "timing", "media")),
    ("1 routine", ("routine", "phrases")),
    ("2 compiler", ("compiler",)),
    ("3 speech", ("speech",)),
    ("4 mixer", ("mixer",)),
    ("5 export", ("export",)),
    ("6 pipeline", ("pipeline",)),
    (
        "apps on top",
        (
            "cli",
            "programme",
            "publish",
            "checkins",
            "recorder",
            "studio",
            "batch",
            "player",
            "__main__",
            "",
        ),
    ),
)
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module imported
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def module_name(path: Path) -> str:
    parts = ["voicecoach", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a package module in ``path``, at any depth (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from . import export`` imports the module ``export``, not the package.
            subs = [f"{base}.{alias.name}" for alias in node.names]
            targets = [s for s in subs if s in modules] or [base]
        where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
        for target in targets:
            while target and target not in modules and "." in target:
                target = target.rpartition(".")[0]  # a name inside a module
            # Importing ``a.b.c`` first runs ``a/b/__init__.py``: an edge too, unless the
            # importer lives inside ``a.b`` (then that package is already being imported).
            parents = [".".join(target.split(".")[:n]) for n in range(2, target.count(".") + 1)]
            for module in [*parents, target]:
                inside = name == module or name.startswith(module + ".")
                if module in modules and not inside:
                    found.append(Import(name, module, where))
    return found


def graph() -> list[Import]:
    modules = all_modules()
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top not in RANK:
        pytest.fail(f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}")
    return RANK[top]


def find_cycle(edges: list[Import]) -> list[Import] | None:
    """One import cycle (as the imports that close it), or None."""
    out: dict[str, list[Import]] = {}
    for e in edges:
        out.setdefault(e.source, []).append(e)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[Import] = []

    def visit(node: str) -> list[Import] | None:
        state[node] = 1
        for e in out.get(node, []):
            if state.get(e.target) == 1:  # back on the path: the cycle starts where it left
                start = next(i for i, p in enumerate([*path, e]) if p.source == e.target)
                return [*path, e][start:]
            if e.target not in state:
                path.append(e)
                if found := visit(e.target):
                    return found
                path.pop()
        state[node] = 2
        return None

    for node in sorted(out):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    edges = {(e.source, e.target) for e in graph()}
    assert ("voicecoach.pipeline", "voicecoach.export") in edges  # inside build()
    assert ("voicecoach.export.encode", "voicecoach.media") in edges  # from ..media
    assert ("voicecoach.speech.piper", "voicecoach.speech.base") in edges
    assert ("voicecoach.mixer.sounds", "voicecoach.media") in edges
    assert ("voicecoach.player", "voicecoach.pipeline") in edges
    # ``from .export.podcast import x`` runs export/__init__.py first: an edge too
    assert ("voicecoach.cli.share", "voicecoach.export") in edges
    assert not any(e.source.startswith(e.target + ".") for e in graph()), "own package"


def test_find_cycle_names_the_imports_that_close_it() -> None:
    a = Import("voicecoach.a", "voicecoach.b", "a.py:3")
    b = Import("voicecoach.b", "voicecoach.c", "b.py:9")
    c = Import("voicecoach.c", "voicecoach.a", "c.py:40")
    assert find_cycle([a, b, c]) == [a, b, c]
    assert find_cycle([a, b]) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle:\n  " + "\n  ".join(map(str, cycle or []))


def test_imports_point_down_the_stages() -> None:
    wrong = [
        f"{e}  ({LAYERS[layer(e.source)][0]} must not import {LAYERS[layer(e.target)][0]})"
        for e in graph()
        if layer(e.target) > layer(e.source)
    ]
    assert not wrong, "imports that point up the stages:\n  " + "\n  ".join(wrong)


def test_the_studio_talks_to_the_pipeline_not_the_stages_behind_it() -> None:
    """Sounds, levelled clips, voices and QR codes come to the studio through the pipeline."""
    behind = {"speech", "mixer", "export"}
    reached = [
        str(e)
        for e in graph()
        if e.source.startswith("voicecoach.studio") and e.target.split(".")[1] in behind
    ]
    assert not reached, "the studio reaches past the pipeline:\n  " + "\n  ".join(reached)
