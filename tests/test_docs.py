"""Docs that must not go stale: the settings table and the README's coverage table."""

import re
from pathlib import Path

from scalekg.graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_settings_table_matches_the_settings_class():
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `SCALEKG_(\w+)` \| `([^`]*)` \| (.+) \|$", text, re.M)
    documented = {name: (env, default, meaning) for name, env, default, meaning in rows}
    assert set(documented) == set(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        env, default, meaning = documented[name]
        assert env == name.upper()
        assert default == str(field.default)
        assert meaning == field.description


def test_readme_coverage_table_is_current(kg):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- coverage:start -->")[1].split("<!-- coverage:end -->")[0]
    table = dict(re.findall(r"^\| (\w+) \| (\d+) \|$", block, re.M))
    counts = kg.counts()
    expected = {**counts["classes"], **counts["relations"]}
    assert {k: int(v) for k, v in table.items()} == expected, "run `make readme-stats`"


def test_readme_diagnostic_excerpt_is_current(kg):
    from bench.readme_stats import diagnostic_excerpt

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- diagnostic:start -->")[1].split("<!-- diagnostic:end -->")[0]
    assert block.strip() == diagnostic_excerpt(kg), "run `make readme-stats`"
