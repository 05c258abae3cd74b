"""pyproject.toml ships every folder of the package, and nothing the tests or bench need only."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCES = ("graph", "api", "viz", "ontology", "data")


def shipped_folders() -> set[str]:
    names = set()
    for top in SOURCES:
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]:
            if not folder.is_dir() or "__pycache__" in folder.parts:
                continue
            if any(f.is_file() for f in folder.iterdir()):
                names.add(".".join(("scalekg", *folder.relative_to(ROOT).parts)))
    return names


def test_every_source_folder_is_a_listed_package():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert shipped_folders() - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - shipped_folders() == set(), "these listed packages do not exist"


def test_every_data_folder_has_package_data():
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for name in shipped_folders():
        folder = ROOT.joinpath(*name.split(".")[1:])
        if not any(folder.glob("*.py")):
            assert name in data, f"{name} holds only data: give it a package-data entry"


def test_the_license_is_an_spdx_string():
    assert isinstance(PYPROJECT["project"]["license"], str)


def test_test_helpers_do_not_ship():
    assert not (ROOT / "viz" / "chromium.py").exists()
    assert not (ROOT / "viz" / "synthetic.py").exists()
