"""``/docs``: Swagger UI served from the installed swagger-ui-bundle, never from a CDN."""

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from scalekg.viz.site import SITE_CSS_HREF, site_header

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)


def install(app: FastAPI) -> None:
    app.mount("/docs/static", StaticFiles(directory=ASSETS), name="swagger-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="ScaleKG API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="data:,",
            swagger_ui_parameters={"validatorUrl": None},
        )
        # The site header above Swagger UI (viz/site.py).
        html = bytes(page.body).decode("utf-8")
        html = html.replace(
            "</head>", f'<link rel="stylesheet" href="{SITE_CSS_HREF}">\n</head>', 1
        ).replace("<body>", "<body>\n" + site_header("docs"), 1)
        return HTMLResponse(html)
