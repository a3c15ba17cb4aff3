"""The package's layout is its architecture (README, "Folder layout"): each part imports only
the parts listed before it, no module imports another in a cycle, and no import hides
inside a function (but the command line's, which loads only the command it runs)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "infonotes"
PARTS = ["problems", "report", "config", "archive", "pages", "search", "output", "commands", "preview", "cli"]
"""In the README's order: a part may import those before it, and itself."""
LAZY_IMPORTS_ALLOWED = {"infonotes.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """The package's modules that `tree` imports (a name imported from a package counts as
    its module when it is one)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("infonotes"):
            assert node.level == 0, "imports are absolute"
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("infonotes")}
    return found


def part_of(module: str) -> str:
    return module.split(".")[1] if module != "infonotes" else ""


def test_every_module_belongs_to_a_part_of_the_readme():
    parts = {part_of(name) for name in modules()} - {""}
    assert parts == set(PARTS), parts ^ set(PARTS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listing = readme[readme.index("infonotes/\n"):]
    positions = [listing.index(f"  {part}{'/' if (PACKAGE / part).is_dir() else '.py'} ") for part in PARTS]
    assert positions == sorted(positions), "the README lists the parts in another order"


def test_each_part_imports_only_the_parts_before_it():
    trees = modules()
    wrong = []
    for name, tree in trees.items():
        for target in imported(tree, set(trees)):
            if PARTS.index(part_of(target)) > PARTS.index(part_of(name)):
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def first_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of `graph` (module -> the modules it imports) as a path, or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if name in path:
            return path[path.index(name):] + [name]
        if name in done or name not in graph:
            return []
        path.append(name)
        for target in sorted(graph[name]):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(name)
        return []

    for name in sorted(graph):
        if cycle := visit(name):
            return cycle
    return []


def test_no_module_imports_another_in_a_cycle():
    trees = modules()
    graph = {name: imported(tree, set(trees)) - {name} for name, tree in trees.items()}
    assert first_cycle(graph) == []


def test_no_import_hides_inside_a_function():
    hidden = []
    for name, tree in modules().items():
        if name in LAZY_IMPORTS_ALLOWED:
            continue
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                hidden += [f"{name}.{function.name}:{node.lineno}" for node in ast.walk(function)
                           if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert not hidden, hidden


def test_the_checks_above_can_fail():
    trees = {"infonotes.a": ast.parse("from infonotes.b import x"), "infonotes.b": ast.parse("import infonotes.a"),
             "infonotes.pages.urls": ast.parse("")}
    graph = {name: imported(tree, set(trees)) for name, tree in trees.items()}
    assert graph["infonotes.a"] == {"infonotes.b"}
    assert first_cycle(graph) == ["infonotes.a", "infonotes.b", "infonotes.a"]
    assert imported(ast.parse("from infonotes.pages import urls"), set(trees)) == {"infonotes.pages.urls"}
    assert PARTS.index(part_of("infonotes.commands.build")) > PARTS.index(part_of("infonotes.pages.render"))
