"""pyproject.toml ships every folder of the package, and nothing the tests or bench need only."""

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCES = ("graph", "api", "viz", "ontology", "data")


# Folders under the source tree that are deliberately not shipped, and why.
NOT_SHIPPED = {
    "scalekg.api.workbench": "the npm sources `make yasgui` builds api/workbench/static/ from",
}


def tracked_files() -> list[Path]:
    """The files git tracks (untracked junk such as node_modules/ must not count)."""
    out = subprocess.run(
        ["git", "ls-files", *SOURCES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [ROOT / line for line in out.splitlines()]


def shipped_folders() -> set[str]:
    names = {".".join(("scalekg", *f.parent.relative_to(ROOT).parts)) for f in tracked_files()}
    return names - set(NOT_SHIPPED)


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
