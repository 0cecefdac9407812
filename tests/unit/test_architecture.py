"""docs/architecture.md is held to the code: its module map names every module under
archiver/ (and no module that is gone), and no module imports from a layer above its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "archiver"
DOC = ROOT / "docs" / "architecture.md"

# Imports that break the layer order today, as (importer, imported) module names; each
# names the change that removes it. The list only shrinks: an entry no longer needed
# fails the test, so whoever removes a violation removes its line here too.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

# Modules over MAX_LINES today, each being split (issue #14) by the helper named; like
# KNOWN_VIOLATIONS, the list only shrinks.
MAX_LINES = 500
KNOWN_LONG: dict[str, str] = {}

_ROW = re.compile(r"^\| `(archiver/[^`]*)` \| (\w+) \|")


def _section(title: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None].splitlines()


def _layers() -> list[str]:
    """The layer names, lowest first, from the doc's layer table."""
    rows = [line for line in _section("Layers") if line.startswith("| ")]
    return [line.split("|")[1].strip() for line in rows[1:]]


def _module_map() -> dict[str, str]:
    """Path (a file, or a folder ending in /) → layer, from the doc's module map."""
    found: dict[str, str] = {}
    for line in _section("Module map"):
        match = _ROW.match(line)
        if match:
            path, layer = match.groups()
            assert path not in found, f"{path} has two rows in the module map"
            found[path] = layer
    return found


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module under archiver/."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _row_of(path: Path, rows: dict[str, str]) -> str | None:
    relative = path.relative_to(ROOT).as_posix()
    if relative in rows:
        return relative
    folders = [r for r in rows if r.endswith("/") and relative.startswith(r)]
    return max(folders, key=len) if folders else None


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The archiver modules `name` imports anywhere in its body (lazy imports count)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            # `import archiver.a.b` depends on archiver.a.b; `from archiver.a import b` on
            # archiver.a.b when b is a module, else on archiver.a.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def test_every_module_has_a_row_in_the_module_map_and_every_row_a_module() -> None:
    rows = _module_map()
    layers = set(_layers())
    modules = _modules()
    missing = [str(p.relative_to(ROOT)) for p in modules.values() if _row_of(p, rows) is None]
    assert not missing, (
        "modules without a row in the module map of docs/architecture.md (add one, with "
        f"its layer): {missing}"
    )
    files = {p.relative_to(ROOT).as_posix() for p in modules.values()}
    stale = [r for r in rows if not (r in files or (r.endswith("/") and (ROOT / r).is_dir()))]
    assert not stale, f"rows in the module map for modules that are gone: {stale}"
    unknown = {r: layer for r, layer in rows.items() if layer not in layers}
    assert not unknown, f"rows naming a layer the layer table does not define: {unknown}"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    rows = _module_map()
    order = {layer: rank for rank, layer in enumerate(_layers())}
    modules = _modules()
    rank = {}
    for name, path in modules.items():
        row = _row_of(path, rows)
        assert row is not None, f"{name} has no row in the module map"
        rank[name] = order[rows[row]]
    upward = set()
    for name, path in modules.items():
        for target in _imports(name, path, modules):
            if rank[target] > rank[name]:
                upward.add((name, target))
    new = sorted(upward - KNOWN_VIOLATIONS.keys())
    assert not new, "imports from a higher layer (docs/architecture.md, Layers): " + ", ".join(
        f"{a} -> {b}" for a, b in new
    )
    gone = sorted(KNOWN_VIOLATIONS.keys() - upward)
    assert not gone, f"fixed violations still listed in KNOWN_VIOLATIONS (remove them): {gone}"


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules().values()
    }
    long = sorted(name for name, n in lengths.items() if n > MAX_LINES)
    new = [f"{name} ({lengths[name]} lines)" for name in long if name not in KNOWN_LONG]
    assert not new, f"modules over {MAX_LINES} lines (split them along their seams): {new}"
    gone = sorted(KNOWN_LONG.keys() - set(long))
    assert not gone, f"modules within {MAX_LINES} lines still listed in KNOWN_LONG: {gone}"


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The check itself must be able to fail: an import from a higher layer is found,
    # whether at the top of a module, inside a function, or relative.
    modules = {"archiver.store.x": tmp_path / "x.py", "archiver.web.app": tmp_path / "app.py"}
    source = tmp_path / "x.py"
    source.write_text("def late():\n    from ..web import app\n    return app\n", encoding="utf-8")
    assert _imports("archiver.store.x", source, modules) == {"archiver.web.app"}
