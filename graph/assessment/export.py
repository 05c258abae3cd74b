"""The roadmap of a report as Markdown or CSV (``scalekg assess run FILE --format md|csv``).

One row per ranked move, best first: the move, the capability's rating now and after the step,
the weighted exposure it cuts, the effort and the gain per effort, how sure the support is, ties,
and the failure factors it cuts. The Markdown opens with the headline (at most three moves).
"""

import csv
import io

COLUMNS = (
    "rank",
    "capability",
    "now",
    "next",
    "gain",
    "effort",
    "gain_per_effort",
    "support",
    "in_top_three",
    "tied_with",
    "factors",
)


def _rating(depth: int | None, width: int | None) -> str:
    return "not assessed" if depth is None else f"{depth}x{width}"


def roadmap_rows(report: dict) -> list[dict]:
    top = {s["capability"]["id"] for s in report["next_steps"]}
    return [
        {
            "rank": row["rank"],
            "capability": row["label"],
            "now": _rating(row["depth"], row["width"]),
            "next": f"{row['next']['depth']}x{row['next']['width']}",
            "gain": f"{row['gain']:.2f}",
            "effort": (row["effort"] or "M") + (" (assumed)" if row["effort_assumed"] else ""),
            "gain_per_effort": f"{row['gain_per_effort']:.2f}",
            "support": "speculative only" if row["speculative_only"] else row["support"],
            "in_top_three": "yes" if row["id"] in top else "no",
            "tied_with": "; ".join(row["tied_with"]),
            "factors": "; ".join(f["label"] for f in row["factors"]),
        }
        for row in report["leverage"]
    ]


def to_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(roadmap_rows(report))
    return out.getvalue()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def headline_markdown(report: dict) -> str:
    head = report["headline"]
    lines = [head["text"], ""]
    lines += [f"{m['rank']}. {_cell(m['text'])}" for m in head["moves"]]
    if head["more"]:
        lines.append(f"\n+{head['more']} more in the ranking below.")
    for c in report["contradictions"]:
        lines.append(f"\n> Contradiction: {_cell(c['text'])}")
    return "\n".join(lines).strip() + "\n"


def to_markdown(report: dict) -> str:
    a = report["assessment"]
    lines = [
        f"# Roadmap: {_cell(a['organisation'])} ({a['date']}, {a['stage']} stage)",
        "",
        headline_markdown(report),
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in roadmap_rows(report):
        lines.append("| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


FORMATS = {"md": to_markdown, "csv": to_csv}
