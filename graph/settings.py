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
        description="Worker processes of the fast lane that evaluate SPARQL queries (killed on timeout).",
        ge=1,
        le=32,
    )
    query_slow_workers: int = Field(
        1,
        description="Worker processes of the slow lane: queries that outlive `query_fast_limit` finish there.",
        ge=1,
        le=32,
    )
    query_fast_limit: float = Field(
        0.5,
        description="Seconds a SPARQL query may run on the fast lane before it moves to the slow lane.",
        gt=0,
    )
    query_memory_mb: int = Field(
        0,
        description="Memory cap of one SPARQL worker, in MiB; 0 derives it from the machine (half its memory, shared by all workers).",
        ge=0,
    )
    sparql_client_limit: int = Field(
        4,
        description="SPARQL queries one client may have in flight; more get 429 with Retry-After.",
        ge=1,
    )
    sparql_slow_client_limit: int = Field(
        1,
        description="SPARQL queries one client may have on the slow lane; more get 429 with Retry-After.",
        ge=1,
    )
    max_body_bytes: int = Field(
        1048576,
        description="Largest request body accepted (SPARQL, assessments); more gets 413.",
        ge=1024,
    )
    update_token: str | None = Field(
        None,
        description="Bearer token for writes (assessments when not on loopback or behind a proxy; SPARQL updates on a remote store).",
    )
    cors_origins: str = Field(
        "*",
        description="CORS allowed origins for the read-only routes, comma separated. Never sent with credentials; never on assessment routes.",
    )
    write_origins: str = Field(
        "",
        description="Other origins (comma separated) whose pages may write assessments; the server's own origin is always allowed.",
    )
    behind_proxy: bool = Field(
        False,
        description="Set when a reverse proxy forwards to this server: writes then need the token, and the client address is the last X-Forwarded-For entry.",
    )
    public_base_url: str | None = Field(
        None,
        description="The server's public URL (for example `https://kg.example.org`), used in links and the SPARQL service description; default: the bound address. The Host header is never reflected.",
    )
    keep_alive_timeout: int = Field(
        5, description="Seconds an idle keep-alive connection stays open.", ge=1
    )
    header_timeout: float = Field(
        10.0,
        description="Seconds a client has to send a request's headers (slowloris and idle connections are closed).",
        gt=0,
    )
    max_connections: int = Field(
        512,
        description="Concurrent connections of one server process; beyond that uvicorn answers 503.",
        ge=1,
    )
    assessments: str = Field(
        "auto",
        description="Where assessments are kept: `data-dir` (one file each under "
        "`DATA_DIR/assessments`), `store` (named graphs in the graph store) or `memory` "
        "(until the process ends). `auto`: in the store when it is durable and shared "
        "(`oxigraph:PATH`, `sparql:URL`), so that every worker sees them; else `data-dir`.",
        pattern="^(auto|data-dir|store|memory)$",
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
