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

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS: tuple[Path, ...] = (
    Path(__file__).resolve().parent / "templates",
    PACKAGE_ROOT / "api" / "templates",
)


@cache
def environment() -> Environment:
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=True,  # every label, definition, quote and note is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: object) -> str:
    """A template rendered with the one environment."""
    return environment().get_template(template).render(**context)
