"""The items of an assessment document, each checked field by field (pydantic): capability
ratings, mechanisms, signals, input metrics, observed failure factors and DORA measurements, with
the constants and checks they share. ``model.AssessmentDocument`` holds lists of them.
"""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

# The essay's meaning of the two words (seed 003, Part One: The Diagnostic Layer).
DEPTH_QUESTION = "Is the capability mature enough for this scale?"
WIDTH_QUESTION = "Is it broad enough across the organization?"
SCORE_LEVELS = {
    0: "missing entirely",
    1: "shallow: the foundation exists",
    2: "developing",
    3: "mostly fit for purpose",
    4: "fit for purpose at this scale",
}

CADENCES = ("daily", "weekly", "bi-weekly", "monthly", "quarterly", "yearly", "ad-hoc")

# The DORA metrics of slide 27 (skg:PositiveOutcome) and the units each may be given in.
DORA_UNITS: dict[str, tuple[str, ...]] = {
    "deployment-frequency": ("per-day", "per-week", "per-month"),
    "lead-time-for-changes": ("hours", "days", "weeks", "months"),
    "mean-time-to-restore": ("minutes", "hours", "days", "weeks"),
    "change-fail-rate": ("percent",),
    "reliability": ("percent",),
}
SEVERITIES = ("low", "medium", "high")
NEW_RATING_DEFAULTS = {
    "applicable": True,
    "target_depth": None,
    "target_width": None,
    "effort": None,
}
EFFORTS = ("S", "M", "L")


def _short(value: Any, limit: int = 40) -> str:
    """A short repr of client input, for messages (a 422 never echoes a whole document)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_score(value: Any) -> Any:
    # bool is an int in Python; "yes" is not a score.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        raise ValueError(f"must be 0..4 (got {_short(value)})")
    return value


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _check_text(value: Any) -> Any:
    """No control characters (NUL and the like) in any text; tabs and line breaks are fine."""
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad is not None:
            raise ValueError(f"must not contain the control character U+{ord(bad.group()):04X}")
    return value


def _from_string(key: str):
    def convert(value: Any) -> Any:
        return {key: value} if isinstance(value, str) else value

    return convert


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _check_text(value)


class CapabilityRating(_Strict):
    capability: str = Field(min_length=1, description="Slug, IRI or label of a capability.")
    depth: int | None = Field(
        None, description=DEPTH_QUESTION + " 0 (missing) to 4 (fit for purpose)."
    )
    width: int | None = Field(
        None, description=WIDTH_QUESTION + " 0 (missing) to 4 (fit for purpose)."
    )
    applicable: bool = Field(
        True, description="No: the capability does not apply to this organisation (not rated)."
    )
    target_depth: int | None = Field(None, description="The depth the organisation aims for.")
    target_width: int | None = Field(None, description="The width the organisation aims for.")
    effort: str | None = Field(
        None, description="What the next step would cost the organisation: S, M or L."
    )
    note: str | None = Field(None, max_length=2000)

    @field_validator("depth", "width", "target_depth", "target_width", mode="before")
    @classmethod
    def _scores(cls, value: Any) -> Any:
        return None if value is None else _check_score(value)

    @field_validator("effort", mode="before")
    @classmethod
    def _effort(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip().upper()[:1] if isinstance(value, str) else ""
        if text not in EFFORTS or len(str(value).strip()) > 6:
            raise ValueError(f"must be S, M or L (got {value!r})")
        return text

    @model_validator(mode="after")
    def _levels(self) -> "CapabilityRating":
        if not self.applicable:
            given = [n for n in ("depth", "width") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{given[0]}: leave it out when the capability is not applicable")
            return self
        for name in ("depth", "width"):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: is required (0..4), or say applicable: no")
        for name in ("depth", "width"):
            target = getattr(self, f"target_{name}")
            if target is not None and target < getattr(self, name):
                raise ValueError(
                    f"target_{name}: is below the current {name} ({getattr(self, name)})"
                )
        return self

    @property
    def rated(self) -> bool:
        return self.applicable and self.depth is not None and self.width is not None


class MechanismUse(_Strict):
    mechanism: str = Field(min_length=1, description="Slug, IRI or label of a mechanism.")
    in_place: StrictBool = Field(True, description="Does the mechanism run today? true or false.")
    cadence: str | None = Field(None, description="How often it runs: " + ", ".join(CADENCES))
    note: str | None = Field(None, max_length=2000)

    @field_validator("cadence", mode="before")
    @classmethod
    def _cadence(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip().lower().replace(" ", "-").replace("biweekly", "bi-weekly")
        if text not in CADENCES:
            raise ValueError(f"must be one of {', '.join(CADENCES)} (got {_short(value)})")
        return text


class SignalObservation(_Strict):
    signal: str = Field(min_length=1, description="Slug or label of a scaling-pain signal.")
    observed: StrictBool = Field(True, description="Do you see this signal today? true or false.")
    note: str | None = Field(None, max_length=2000)


class InputMetricUse(_Strict):
    metric: str = Field(min_length=1, description="Slug or label of an input metric.")
    tracked: StrictBool = Field(
        True, description="Is the metric tracked and looked at today? true or false."
    )
    note: str | None = Field(None, max_length=2000)


class FailureObservation(_Strict):
    factor: str = Field(min_length=1, description="Slug or label of a failure factor you see.")
    severity: str = Field("medium", description="How much it hurts today: low, medium or high.")
    note: str | None = Field(None, max_length=2000)

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in SEVERITIES:
            raise ValueError(f"must be low, medium or high (got {value!r})")
        return text


class DoraMeasurement(_Strict):
    metric: str = Field(min_length=1, description="One of the DORA metrics (slide 27).")
    value: float = Field(ge=0, le=1_000_000)
    unit: str = Field(min_length=1)

    @model_validator(mode="after")
    def _unit(self) -> "DoraMeasurement":
        key = self.metric.strip().lower().replace(" ", "-").replace("_", "-")
        allowed = DORA_UNITS.get(key)
        if allowed is not None and self.unit not in allowed:
            raise ValueError(f"unit: must be one of {', '.join(allowed)} for {key}")
        if self.unit == "percent" and self.value > 100:
            raise ValueError(f"value: a percentage is 0..100 (got {self.value:g})")
        return self
