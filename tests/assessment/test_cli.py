"""``scalekg assess init`` and ``scalekg assess run``."""

import csv
import io
import json
import re
import shutil

import yaml
from typer.testing import CliRunner

from scalekg.api.cli import app
from scalekg.graph.assessment import prepare_text
from scalekg.graph.assessment.report import analyse

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
    # and the commented DORA and failures blocks become valid once uncommented
    uncommented = text.replace("# dora:", "dora:").replace("# failures:", "failures:")
    uncommented = uncommented.replace("# headcount_12_months_ago:", "headcount_12_months_ago:")
    uncommented = "\n".join(
        line.replace("#   - metric", "  - metric")
        .replace("#   - factor", "  - factor")
        .replace("#     ", "    ")
        for line in uncommented.splitlines()
    )
    done = prepare_text(kg, uncommented).document
    assert len(done.dora) == 5 and done.headcount_12_months_ago == 30
    late_factors = [
        f for f in kg.of_type("FailureFactor") if not f.stages or "late-stage" in f.stages
    ]
    assert len(done.failures) == len(late_factors)


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


def test_run_opens_with_the_moves_and_writes_no_html_unless_asked(tmp_path):
    source = tmp_path / "late.yaml"
    shutil.copy(EXAMPLES / "late-stage-scaleup.yaml", source)
    result = runner.invoke(app, ["assess", "run", str(source), "--no-save", *BUILD])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Northwind Payments" in out
    # the moves come first: within the first lines, before the reasons and the tables
    head = out.splitlines()[:12]
    assert any(line.startswith(" 1. ") for line in head), head
    moves = out.index(" 1. ")
    assert moves < out.index("Failure factors, most pressing first") < out.index("Ranking")
    assert out.index("Ranking") < out.index("mean exposure")
    # every step of a chain shows how sure the graph is of it
    assert re.search(r"mitigates \[(stated|strong|plausible|speculative)\]", out)
    assert not list(tmp_path.glob("*.html"))


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
            "--no-save",
            "--html",
            str(target),
            *BUILD,
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["assessment"]["organisation"] == "Lumen Health"
    assert report["headline"]["moves"] == [
        {"rank": s["rank"], "capability": s["capability"]["id"], "text": s["sentence"]}
        for s in report["next_steps"]
    ]
    assert "Diagnostic: Lumen Health" in target.read_text(encoding="utf-8")


def test_run_exports_the_roadmap_as_csv_and_markdown(kg):
    path = str(EXAMPLES / "late-stage-scaleup.yaml")
    result = runner.invoke(app, ["assess", "run", path, "--format", "csv", "--no-save", *BUILD])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    report = analyse(kg, prepare_text(kg, (EXAMPLES / "late-stage-scaleup.yaml").read_bytes()))
    assert [r["capability"] for r in rows] == [row["label"] for row in report["leverage"]]
    assert rows[0]["rank"] == "1" and set(rows[0]) >= {"gain", "effort", "gain_per_effort"}
    result = runner.invoke(app, ["assess", "run", path, "--format", "md", "--no-save", *BUILD])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Roadmap: Northwind Payments (2026-11-02, late stage)")
    assert "| rank | capability |" in result.stdout
    bad = runner.invoke(app, ["assess", "run", path, "--format", "pdf", *BUILD])
    assert bad.exit_code == 2


def test_run_keeps_the_assessment_and_shows_the_trend_next_time(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "late-stage-scaleup.yaml").read_text(encoding="utf-8"))
    doc["organisation"] = "Trend CLI Co"
    first, second = tmp_path / "q1.yaml", tmp_path / "q3.yaml"
    first.write_text(yaml.safe_dump(doc), encoding="utf-8")
    doc["date"] = "2027-02-01"
    doc["capabilities"][0]["depth"] = 4
    second.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert runner.invoke(app, ["assess", "run", str(first), *BUILD]).exit_code == 0
    result = runner.invoke(app, ["assess", "run", str(second), "--json", *BUILD])
    trend = json.loads(result.stdout)["trend"]
    assert trend["against"]["date"] == "2026-11-02"
    [moved] = trend["capabilities"]
    assert moved["id"] == "platform-architecture-and-technical-foundation"
    result = runner.invoke(app, ["assess", "compare", str(first), str(second), *BUILD])
    assert result.exit_code == 0, result.output
    assert "Trend CLI Co 2026-11-02 → Trend CLI Co 2027-02-01" in result.stdout
    assert "Platform architecture and technical foundation: 3×2 → 4×2" in result.stdout
    stored = json.loads(
        runner.invoke(app, ["assess", "run", str(first), "--json", "--no-save", *BUILD]).stdout
    )["assessment"]["id"]
    by_id = runner.invoke(app, ["assess", "compare", stored, str(second), "--json", *BUILD])
    assert json.loads(by_id.stdout)["a"]["id"] == stored
    missing = runner.invoke(app, ["assess", "compare", "0123456789abcdef", str(second), *BUILD])
    assert missing.exit_code == 2


def test_run_reports_field_errors(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "late-stage-scaleup.yaml").read_text(encoding="utf-8"))
    doc["capabilities"][3]["depth"] = 7
    doc["signals"].append("sharks with lasers")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["assess", "run", str(bad), "--no-save", *BUILD])
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
    html = tmp_path / "sneaky.html"
    result = runner.invoke(app, ["assess", "run", str(path), "--html", str(html), *BUILD])
    assert result.exit_code == 0, result.output
    assert "[bold red]Sneaky[/bold red]" in result.stdout
    assert "&lt;script&gt;" in html.read_text(encoding="utf-8")
