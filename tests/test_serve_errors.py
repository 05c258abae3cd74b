"""`scalekg serve` refuses a store it cannot serve; store errors become JSON, not 500s."""

import json
import subprocess
import sys

from scalekg.api.error_shape import RETRY_AFTER_S
from scalekg.api.errors import to_response
from scalekg.graph.backends.base import StoreFullError, StoreUnavailableError


def test_serve_refuses_several_workers_on_an_oxigraph_store(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "scalekg.api.cli", "serve", "--workers", "2", "--store",
         f"oxigraph:{tmp_path / 'store'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "one worker process" in " ".join(run.stderr.split())
    assert not (tmp_path / "store").exists(), "nothing is created before refusing"


def test_store_errors_map_to_json_responses():
    down = to_response(StoreUnavailableError("Virtuoso is not answering"))
    assert down.status_code == 503
    assert down.headers["Retry-After"] == str(RETRY_AFTER_S)
    body = json.loads(down.body)
    assert body["error"] == "store unavailable"
    assert "Virtuoso" in body["message"]
    full = to_response(StoreFullError("no space left on /data"))
    assert full.status_code == 507
