"""Every ScaleKG setting, in one place.

Each field reads the environment variable ``SCALEKG_<FIELD NAME>`` (upper case). The command
line options of ``scalekg serve`` override them. ``docs/settings.md`` lists them; a test checks
that the list and this class agree.
"""

import os
from pathlib import Path
from typing import Any, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/scalekg``, else ``~/.local/share/scalekg``: never the working directory."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "scalekg"


class Settings(BaseSettings):
    """ScaleKG settings. Every field is documented: the description is the documentation."""

    model_config = SettingsConfigDict(env_prefix="SCALEKG_", extra="ignore")

    host: str = Field(
        "127.0.0.1",
        description="Interface the server binds to. Loopback only unless told otherwise.",
    )
    port: int = Field(8000, description="TCP port of the server.", ge=0, le=65535)
    workers: int = Field(1, description="Number of uvicorn worker processes.", ge=1, le=64)
    data_dir: Path = Field(  # type: ignore[assignment]  # None until _fill_dirs
        None,
        validate_default=False,
        description="Where ScaleKG keeps what it makes (builds, assessments). "
        "Default: `$XDG_DATA_HOME/scalekg`, else `~/.local/share/scalekg`.",
    )
    build_dir: Path = Field(  # type: ignore[assignment]  # None until _fill_dirs
        None,
        validate_default=False,
        description="Where `scalekg build` writes the snapshot and its stats. Default: `DATA_DIR/build`.",
    )
    store: str = Field(
        "memory",
        description="Store backend: `memory`, `oxigraph:PATH`, or `sparql:QUERY_URL[,update=URL][,gsp=URL]`.",
    )
    store_user: str | None = Field(
        None, description="User name for a remote SPARQL store (never on the command line)."
    )
    store_password: str | None = Field(None, description="Password for a remote SPARQL store.")
    store_auth: str = Field(
        "digest", description="HTTP auth scheme for a remote SPARQL store: `digest` or `basic`."
    )
    query_timeout: float = Field(
        10.0, description="Hard time limit of one SPARQL query, in seconds.", gt=0
    )
    max_rows: int = Field(
        10000,
        description="Row cap of a SPARQL result; the response says when it was truncated.",
        ge=1,
    )
    query_workers: int = Field(
        2,
        description="Worker processes that evaluate SPARQL queries (killed on timeout).",
        ge=1,
        le=32,
    )
    update_token: str | None = Field(
        None,
        description="Bearer token that enables SPARQL updates and writes. Without it the endpoint is read-only.",
    )
    cors_origins: str = Field(
        "*", description="CORS allowed origins, comma separated. Never sent with credentials."
    )
    assessments: str = Field(
        "data-dir",
        description="Where assessments are kept: `data-dir` (one file each under "
        "`DATA_DIR/assessments`), `store` (named graphs in the graph store) or `memory` "
        "(until the process ends).",
        pattern="^(data-dir|store|memory)$",
    )
    graph_max_nodes: int = Field(
        600, description="Node cap of a focused graph view; the page says when it is reached.", ge=1
    )

    @model_validator(mode="after")
    def _fill_dirs(self) -> Self:
        # The defaults depend on the environment (home, XDG) and on data_dir, so they are filled
        # in here rather than at import: the working directory never decides where a build goes.
        if self.data_dir is None:
            self.data_dir = default_data_dir()
        if self.build_dir is None:
            self.build_dir = self.data_dir / "build"
        return self


def get_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (for example from the CLI)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
