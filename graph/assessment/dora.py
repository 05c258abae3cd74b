"""DORA figures placed in DORA's published performance bands.

The bands are the software delivery performance clusters of the 2024 Accelerate State of DevOps
report (DORA, Google Cloud, October 2024):

| metric | elite | high | medium | low |
|---|---|---|---|---|
| deployment frequency | on demand (multiple deploys per day) | once per day to once per week | once per week to once per month | once per month to once every six months |
| change lead time | less than one day | one day to one week | one week to one month | one month to six months |
| change fail rate | 5% | 20% | 10% | 40% |
| failed deployment recovery time | less than one hour | less than one day | less than one day | one week to one month |

The report gives clusters, not thresholds. For deployment frequency and lead time the clusters
are ranges, used as they are. For recovery time, high and medium share "less than one day", so
less than a day is placed high, a day to a week medium, longer low. For change fail rate the
clusters are single values and not ordered (high 20%, medium 10%), so ScaleKG places a rate at
most 5% elite, at most 20% high (the high and medium clusters both sit there), at most 30% (half
way to the low cluster's 40%) medium, above that low. Reliability has no band in the report (it
is measured against the team's own objectives), so a reliability figure is kept but not placed.
"""

from dataclasses import dataclass

REPORT = "DORA, Accelerate State of DevOps Report 2024, software delivery performance clusters"
BANDS = ("elite", "high", "medium", "low")

# metric -> (canonical unit, (upper bound, inclusive) of elite, high, medium; lower is better).
# Deployment frequency becomes days between deploys, so that lower is better there too. A bound
# is inclusive where the report's words are ("once a week" is high; "5%" is elite) and strict
# where they say "less than"; once a month is the edge of the low cluster ("between once per
# month and once every six months"), so a monthly deploy is low.
_LIMITS: dict[str, tuple[str, tuple[tuple[float, bool], ...]]] = {
    "deployment-frequency": ("days between deploys", ((1.0, True), (7.0, True), (30.0, False))),
    "lead-time-for-changes": ("hours", ((24.0, False), (24.0 * 7, True), (24.0 * 31, True))),
    "mean-time-to-restore": ("hours", ((1.0, False), (24.0, False), (24.0 * 7, True))),
    "change-fail-rate": ("percent", ((5.0, True), (20.0, True), (30.0, True))),
}
_HOURS = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0, "weeks": 24.0 * 7, "months": 24.0 * 30}
_PER_DAY = {"per-day": 1.0, "per-week": 1 / 7, "per-month": 1 / 30}

BAND_TEXT: dict[str, dict[str, str]] = {
    "deployment-frequency": {
        "elite": "on demand, several deploys a day",
        "high": "between once a day and once a week",
        "medium": "between once a week and once a month",
        "low": "less than once a month",
    },
    "lead-time-for-changes": {
        "elite": "less than a day",
        "high": "a day to a week",
        "medium": "a week to a month",
        "low": "more than a month",
    },
    "mean-time-to-restore": {
        "elite": "less than an hour",
        "high": "less than a day",
        "medium": "a day to a week",
        "low": "more than a week",
    },
    "change-fail-rate": {
        "elite": "5% or less",
        "high": "20% or less",
        "medium": "30% or less",
        "low": "above 30%",
    },
}


@dataclass(frozen=True)
class Placement:
    metric: str
    value: float
    unit: str
    band: str  # elite | high | medium | low
    text: str  # the band in words

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "band": self.band,
            "band_text": self.text,
            "source": REPORT,
        }


def canonical(metric: str, value: float, unit: str) -> float | None:
    """The figure in the unit its limits are given in; None if it cannot be placed."""
    if metric == "deployment-frequency":
        per_day = value * _PER_DAY.get(unit, 0.0)
        return float("inf") if per_day <= 0 else 1.0 / per_day
    if metric in ("lead-time-for-changes", "mean-time-to-restore") and unit in _HOURS:
        return value * _HOURS[unit]
    if metric == "change-fail-rate" and unit == "percent":
        return value
    return None


def place(metric: str, value: float, unit: str) -> Placement | None:
    """The band of one figure, or None for a metric the report does not band (reliability)."""
    spec = _LIMITS.get(metric)
    figure = canonical(metric, value, unit)
    if spec is None or figure is None:
        return None
    _unit, limits = spec
    band = "low"
    for name, (limit, inclusive) in zip(BANDS, limits, strict=False):
        if figure < limit or (inclusive and figure <= limit):
            band = name
            break
    return Placement(metric, value, unit, band, BAND_TEXT[metric][band])
