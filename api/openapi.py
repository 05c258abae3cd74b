"""The OpenAPI description, completed where FastAPI's generator cannot know our behaviour.

- Every operation gets a ``default`` response: an error in the app's one shape (``Error``:
  ``{error, message, ...}``, JSON, or an HTML page for a browser), so that every 4xx and 5xx
  (404 for an unknown id, 405, 413, 415, 429, 503 ...) is documented. FastAPI's own 422 schema
  (``{detail}``) is replaced by ``Error`` too: our 422s have that shape.
- Redirects (3xx) have no body: their ``content`` is removed and a ``Location`` header is named.
- Request bodies that routes read themselves (``POST /api/assessments``) name their schema in
  the route's ``openapi_extra``; the models they point to are added to the components here.

schemathesis checks the server against this description (tests/api/test_openapi_conformance.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every error of every route: a short kind, a readable message, and what "
    "helps to recover (suggestions, valid values, the parameter at fault, field errors).",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A short kind, e.g. `unknown concept`."},
        "message": {"type": "string", "description": "What went wrong, in words."},
    },
    "additionalProperties": True,
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
DEFAULT_RESPONSE = {
    "description": "An error (any 4xx or 5xx) in the one error shape; a browser asking for a "
    "page gets it as HTML. See docs/api.md, Errors.",
    "content": {
        "application/json": {"schema": ERROR_REF},
        "text/html": {"schema": {"type": "string"}},
    },
}


def ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to a model's schema in the components (for ``openapi_extra``)."""
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def complete(schema: dict[str, Any], models: tuple[type[BaseModel], ...] = ()) -> dict[str, Any]:
    """Add the Error schema, the models, ``default`` error responses, and clean redirects."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for model in models:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, response in responses.items():
                if code.startswith("3"):
                    response.pop("content", None)
                    response.setdefault("headers", {})["Location"] = {
                        "description": "Where the resource is.",
                        "schema": {"type": "string"},
                    }
                elif code == "422":
                    response["description"] = "Invalid parameters or document (one error shape)."
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            responses.setdefault("default", DEFAULT_RESPONSE)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI, models: tuple[type[BaseModel], ...] = ()) -> None:
    """Serve the completed description at ``/openapi.json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(generated, models)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
