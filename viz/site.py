"""The site header: one list of the site's doors, drawn the same way on every page.

Every page shows it (the API's Jinja pages, the assessment form and report, the graph page, the
Swagger UI at /docs): ``site_header(current)`` gives its HTML, ``SITE_CSS`` its style. Pages that
may load stylesheets link ``/graph/static/site.css``; pages whose policy allows only inline styles
(the assessment form and the report, which is also written to a file and printed) inline
``SITE_CSS``. In print the header is hidden.
"""

import hashlib
from pathlib import Path

from markupsafe import Markup, escape

# (key, label, href): the order of the header.
SITE_NAV: tuple[tuple[str, str, str], ...] = (
    ("graph", "Graph", "/graph"),
    ("ask", "Ask", "/#ask"),
    ("query", "SPARQL query", "/query"),
    ("assess", "Assess", "/assess"),
    ("docs", "API docs", "/docs"),
)

SITE_CSS = (Path(__file__).parent / "static" / "site.css").read_text(encoding="utf-8")
SITE_CSS_HREF = "/graph/static/site.css?v=" + hashlib.sha256(SITE_CSS.encode()).hexdigest()[:12]


def site_header(current: str | None = None, base: str = "") -> Markup:
    """The header's HTML; ``current`` (a key of SITE_NAV) is marked ``aria-current="page"``;
    ``base`` prefixes every link (empty on the server)."""
    root = escape(base.rstrip("/"))
    links = []
    for key, label, href in SITE_NAV:
        mark = ' aria-current="page"' if key == current else ""
        links.append(f'<a href="{root}{escape(href)}" data-nav="{key}"{mark}>{escape(label)}</a>')
    return Markup(
        '<header class="site-header" role="banner">'
        f'<a class="site-brand" href="{root}/">ScaleKG</a>'
        f'<nav class="site-nav" aria-label="Site">{"".join(links)}</nav>'
        "</header>"
    )
