"""Where the shipped Turtle, shapes and queries live, in a checkout or an installed wheel."""

from importlib import resources
from pathlib import Path


def _package_dir(package: str) -> Path:
    return Path(str(resources.files(package)))


def ontology_dir() -> Path:
    return _package_dir("scalekg.ontology")


def data_dir() -> Path:
    return _package_dir("scalekg.data")


def ontology_files() -> list[Path]:
    """The TBox files (shapes are not part of the ontology)."""
    return sorted(ontology_dir().glob("*.ttl"))


def data_files(directory: Path | None = None) -> list[Path]:
    """The ABox files, one per source."""
    return sorted((directory or data_dir()).glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted((ontology_dir() / "shapes").glob("*.ttl"))


def violation_queries() -> list[Path]:
    return sorted((ontology_dir() / "violations").glob("*-violation.rq"))


def example_queries() -> list[Path]:
    return sorted((ontology_dir() / "queries").glob("*.rq"))


def committed_inference_file() -> Path:
    """The reasoner's output for the shipped ontology and data (see graph/reason.py)."""
    return data_dir() / "inferred.nt"


def seed_file(name: str) -> Path:
    return data_dir() / "seeds" / name
