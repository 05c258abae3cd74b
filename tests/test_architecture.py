"""The rules of docs/architecture.md that a machine can check: which layer may import which.

- graph/ (the knowledge graph and every question about it) imports nothing from api/ or viz/,
  and no web framework or template engine;
- viz/ (the view: selection, page, exports) imports graph/ but never api/;
- api/ (CLI, REST, pages) may import both.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ("fastapi", "starlette", "jinja2", "uvicorn", "markupsafe")


def imports(path: Path) -> set[str]:
    """Every module a file imports, absolute names; relative imports resolved in the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["scalekg", *path.relative_to(ROOT).parent.parts]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("graph"), ids=lambda p: str(p.relative_to(ROOT)))
def test_graph_imports_no_front_door_and_no_web_framework(path):
    bad = {
        name
        for name in imports(path)
        if name.startswith(("scalekg.api", "scalekg.viz")) or name.split(".")[0] in WEB
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("viz"), ids=lambda p: str(p.relative_to(ROOT)))
def test_viz_does_not_import_api(path):
    bad = {name for name in imports(path) if name.startswith("scalekg.api")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_checker_sees_relative_and_absolute_imports():
    sample = ROOT / "graph" / "answers.py"
    found = imports(sample)
    assert "scalekg.graph.model" in found  # from .model import ...
    assert any(name.startswith("scalekg.graph") for name in imports(ROOT / "viz" / "select.py"))
