"""The one Jinja environment for every HTML page: the graph view, the API's pages (home, query,
Linked Data, errors) and the assessment pages.

One set of rules: autoescape on for every template and every string template, an undefined
variable is an error (a typo never renders as an empty string), and the same whitespace control.
Each page's Content-Security-Policy goes with its response (api/deps.py ``render_html``, the
assessment pages), not with the environment.

Templates are looked up in viz/templates, then api/templates. The folder is named by path, not
imported: viz does not import api (the web layer imports the view, never the other way round).
"""

from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .site import SITE_CSS, SITE_CSS_HREF, site_header

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS: tuple[Path, ...] = (
    Path(__file__).resolve().parent / "templates",
    PACKAGE_ROOT / "api" / "templates",
)


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=True,  # every label, definition, quote and note is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The site header on every page (viz/site.py): its HTML, its stylesheet's URL, and its CSS
    # for the pages that allow inline styles only (the assessment form and report).
    env.globals["site_header"] = site_header
    env.globals["site_css_href"] = SITE_CSS_HREF
    env.globals["site_css_inline"] = Markup(SITE_CSS)
    return env


def render(template: str, **context: object) -> str:
    """A template rendered with the one environment."""
    return environment().get_template(template).render(**context)
