"""``scalekg assess init`` and ``scalekg assess run``."""

import json
import shutil

import yaml
from typer.testing import CliRunner

from scalekg.api.cli import app
from scalekg.graph.assessment import prepare_text

from .conftest import BUILD_DIR, EXAMPLES

runner = CliRunner()
BUILD = ["--build-dir", str(BUILD_DIR)]


def test_init_writes_a_commented_template_that_validates(kg, tmp_path):
    target = tmp_path / "my-org.yaml"
    result = runner.invoke(app, ["assess", "init", "-o", str(target), *BUILD])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    comments = " ".join(line.strip().lstrip("#").strip() for line in text.splitlines())
    # every capability, with its diagnostic questions where the essay has them
    for cap in kg.of_type("Capability"):
        assert f"- capability: {cap.slug}" in text
        for question in cap.diagnostic_questions:
            assert f"Q: {question}" in comments
    for mech in kg.of_type("Mechanism"):
        assert f"- mechanism: {mech.slug}" in text
    for signal in kg.of_type("ScalingSignal"):
        assert f"- signal: {signal.slug}" in text
    assert "depth: Is the capability mature enough for this scale?" in text
    assert "width: Is it broad enough across the organization?" in text
    # as written, it is a valid (all-zero) assessment
    a = prepare_text(kg, text)
    assert len(a.document.capabilities) == len(kg.of_type("Capability"))
    # and the commented DORA block becomes valid once uncommented
    uncommented = text.replace("# dora:", "dora:")
    uncommented = "\n".join(
        line.replace("#   - metric", "  - metric").replace("#     ", "    ")
        for line in uncommented.splitlines()
    )
    assert len(prepare_text(kg, uncommented).document.dora) == 5


def test_init_does_not_overwrite(tmp_path):
    target = tmp_path / "exists.yaml"
    target.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["assess", "init", "-o", str(target), *BUILD])
    assert result.exit_code == 1
    assert target.read_text(encoding="utf-8") == "keep me"


def test_init_to_stdout_early_stage_first(kg):
    result = runner.invoke(app, ["assess", "init", "--stage", "early", *BUILD])
    assert result.exit_code == 0
    first = next(line for line in result.stdout.splitlines() if "- capability:" in line)
    slug = first.split(":", 1)[1].strip()
    assert "early-stage" in kg.concept(slug).stages


def test_run_prints_tables_and_writes_html_next_to_the_input(tmp_path):
    source = tmp_path / "late.yaml"
    shutil.copy(EXAMPLES / "late-stage-scaleup.yaml", source)
    result = runner.invoke(app, ["assess", "run", str(source), *BUILD])
    assert result.exit_code == 0, result.output
    assert "Northwind Payments" in result.stdout
    assert "Exposure by failure factor" in result.stdout
    assert "1. Reorg into value-stream teams" in result.stdout
    html = (tmp_path / "late.html").read_text(encoding="utf-8")
    assert "Diagnostic: Northwind Payments" in html


def test_run_json_and_html_path(tmp_path):
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    result = runner.invoke(
        app,
        [
            "assess",
            "run",
            str(EXAMPLES / "early-stage-startup.yaml"),
            "--json",
            "--html",
            str(target),
            *BUILD,
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["assessment"]["organisation"] == "Lumen Health"
    assert report["next_steps"][0]["capability"]["id"] == (
        "tracking-metrics-that-fit-the-business-model"
    )
    assert target.is_file()


def test_run_reports_field_errors(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "late-stage-scaleup.yaml").read_text(encoding="utf-8"))
    doc["capabilities"][3]["depth"] = 7
    doc["signals"].append("sharks with lasers")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["assess", "run", str(bad), "--no-html", *BUILD])
    assert result.exit_code == 2
    assert "capabilities[3].depth: must be 0..4 (got 7)" in result.stderr
    assert not (tmp_path / "bad.html").exists()
    result = runner.invoke(app, ["assess", "run", str(bad), "--json", *BUILD])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["detail"][0]["loc"] == "capabilities[3].depth"


def test_run_escapes_markup_in_user_text(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "early-stage-startup.yaml").read_text(encoding="utf-8"))
    doc["organisation"] = "[bold red]Sneaky[/bold red] <script>x</script>"
    path = tmp_path / "sneaky.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["assess", "run", str(path), *BUILD])
    assert result.exit_code == 0, result.output
    assert "[bold red]Sneaky[/bold red]" in result.stdout
    assert "&lt;script&gt;" in (tmp_path / "sneaky.html").read_text(encoding="utf-8")
