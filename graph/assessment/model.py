"""The assessment document: what an organisation says about itself, checked field by field.

A document comes in as YAML or JSON. It is checked in three passes, and the first pass that finds
a problem stops the chain, so nothing is stored:

1. ``parse_text``: the text is YAML or JSON and its top level is a mapping;
2. ``validate_document`` (pydantic): the fields, their types and ranges (``capabilities[3].depth:
   must be 0..4``);
3. ``resolve_references``: every capability, mechanism, signal and metric names exactly one concept
   of the right type in the graph (slug, IRI, label or synonym; typos forgiven by
   ``graph.search.resolve``). An unknown name is an error at its field, with suggestions.

The SHACL shapes (``shapes.py``) then check the RDF form of the result, as a last gate.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
)

from ..params import STAGE_SHORT, UnknownName, parse_stage
from .items import (  # noqa: F401  (re-exported: the document's items and constants live there)
    CADENCES,
    DEPTH_QUESTION,
    DORA_UNITS,
    EFFORTS,
    NEW_RATING_DEFAULTS,
    SCORE_LEVELS,
    SEVERITIES,
    WIDTH_QUESTION,
    CapabilityRating,
    DoraMeasurement,
    FailureObservation,
    InputMetricUse,
    MechanismUse,
    SignalObservation,
    _check_text,
    _from_string,
    _short,
    _Strict,
)

Date = date  # the field AssessmentDocument.date hides the type inside the class

# The document says "early" or "late"; the graph's stages are early-stage and late-stage.
STAGE_IRIS = {short: stage for stage, short in STAGE_SHORT.items()}
STAGES = tuple(STAGE_IRIS)


@dataclass(frozen=True)
class FieldError:
    """One problem, at one field of the document (``capabilities[3].depth``)."""

    loc: str
    msg: str
    suggestions: tuple[dict, ...] = ()

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"loc": self.loc, "msg": self.msg}
        if self.suggestions:
            out["suggestions"] = list(self.suggestions)
        return out

    def render(self) -> str:
        text = f"{self.loc}: {self.msg}"
        if self.suggestions:
            text += "; did you mean: " + ", ".join(
                f"{s['id']} ({s['label']})" for s in self.suggestions
            )
        return text


class AssessmentValidationError(ValueError):
    """The document does not validate. ``errors`` point at the fields."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(e.render() for e in errors))

    def as_dict(self) -> dict:
        return {"detail": [e.as_dict() for e in self.errors]}


# Parsing limits: a document deeper than this, or with YAML aliases, is refused (422) before it
# can exhaust the stack or blow up; numbers longer than Python's int limit are refused as such.
MAX_DEPTH = 32
MESSAGE_CHARS = 300
EARLIEST_DATE = date(1900, 1, 1)


class AssessmentDocument(_Strict):
    """The document as written. References are still free text until resolved."""

    organisation: str = Field(min_length=1, max_length=200)
    date: date
    stage: Literal["early", "late"]
    headcount: int = Field(ge=1, le=1_000_000)
    headcount_12_months_ago: int | None = Field(
        None, ge=1, le=1_000_000, description="People in the organisation a year ago."
    )
    headcount_plan: int | None = Field(
        None, ge=1, le=1_000_000, description="People the organisation plans to have in a year."
    )
    note: str | None = Field(None, max_length=4000)
    capabilities: list[CapabilityRating] = Field(min_length=1)
    mechanisms: list[MechanismUse] = Field(default_factory=list)
    signals: list[SignalObservation] = Field(default_factory=list)
    input_metrics: list[InputMetricUse] = Field(default_factory=list)
    dora: list[DoraMeasurement] = Field(default_factory=list)
    failures: list[FailureObservation] = Field(default_factory=list)

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return STAGE_SHORT[parse_stage(value)]
            except UnknownName:
                raise ValueError(f"must be early or late (got {_short(value)})") from None
        return value

    @field_validator("date", mode="after")
    @classmethod
    def _plausible_date(cls, value: Date) -> Date:
        latest = date.today() + timedelta(days=366)
        if not EARLIEST_DATE <= value <= latest:
            raise ValueError(f"must be between {EARLIEST_DATE} and {latest} (got {value})")
        return value

    @field_validator("headcount", "headcount_12_months_ago", "headcount_plan", mode="before")
    @classmethod
    def _headcount(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a whole number of people")
        return value

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _mechanisms(cls, value: Any) -> Any:
        return [_from_string("mechanism")(v) for v in value] if isinstance(value, list) else value

    @field_validator("signals", mode="before")
    @classmethod
    def _signals(cls, value: Any) -> Any:
        return [_from_string("signal")(v) for v in value] if isinstance(value, list) else value

    @field_validator("input_metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> Any:
        return [_from_string("metric")(v) for v in value] if isinstance(value, list) else value

    @field_validator("failures", mode="before")
    @classmethod
    def _failures(cls, value: Any) -> Any:
        return [_from_string("factor")(v) for v in value] if isinstance(value, list) else value

    def canonical_json(self) -> str:
        data = self.model_dump(mode="json")
        # Fields added in model v2 are left out while unused, so a v1 document keeps its id.
        for name in ("headcount_12_months_ago", "headcount_plan", "failures"):
            if not data[name]:
                del data[name]
        for item in data["capabilities"]:
            for name, default in NEW_RATING_DEFAULTS.items():
                if item[name] == default:
                    del item[name]
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    def content_id(self) -> str:
        """The assessment's id: a hash of its canonical content (the same document, the same id)."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()[:16]


# Fields that a whole-item check reports as "field: message" (the error goes to that field).
ITEM_CHECKED_FIELDS = frozenset({"unit", "value", "depth", "width", "target_depth", "target_width"})


def _loc(parts: tuple) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def _message(err: Mapping[str, Any]) -> str:
    msg = err.get("msg", "invalid")
    kind = err.get("type", "")
    msg = msg.removeprefix("Value error, ")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of an assessment (check the spelling)"
    field_name, sep, rest = msg.partition(": ")
    if sep and field_name in ITEM_CHECKED_FIELDS:
        return rest
    if kind in {"too_short"} and err.get("loc", ("",))[-1] == "capabilities":
        return "rate at least one capability"
    msg = msg if len(msg) <= MESSAGE_CHARS else msg[:MESSAGE_CHARS] + "…"
    return msg[0].lower() + msg[1:] if msg else msg


def validate_document(data: Any) -> AssessmentDocument:
    """Check fields, types and ranges. Raises AssessmentValidationError with field paths."""
    if not isinstance(data, dict):
        raise AssessmentValidationError(
            [FieldError("(document)", "must be a mapping of fields (organisation, date, ...)")]
        )
    try:
        return AssessmentDocument.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field_name, sep, _ = err.get("msg", "").removeprefix("Value error, ").partition(": ")
            if sep and field_name in ITEM_CHECKED_FIELDS:
                loc = (*loc, field_name)
            errors.append(FieldError(_loc(loc), _message(err)))
        raise AssessmentValidationError(errors) from exc


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases (``*a``: no "billion laughs") and at most MAX_DEPTH deep."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nests deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _depth_error() -> AssessmentValidationError:
    return AssessmentValidationError(
        [FieldError("(document)", f"nests deeper than {MAX_DEPTH} levels")]
    )


def _check_depth(data: Any) -> None:
    """Iteratively (no recursion): refuse data nested deeper than MAX_DEPTH."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _depth_error()
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def parse_text(text: str | bytes, fmt: str | None = None) -> Any:
    """YAML or JSON text to plain data (JSON is YAML, but JSON errors read better from json).

    Every failure is an AssessmentValidationError (a 422 over HTTP), never another exception:
    bad syntax, not UTF-8, numbers longer than Python's 4,300-digit limit, nesting deeper than
    MAX_DEPTH, YAML aliases."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AssessmentValidationError([FieldError("(document)", "is not UTF-8")]) from exc
    try:
        if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise AssessmentValidationError(
                    [FieldError("(document)", f"is not valid JSON: {exc.msg} at line {exc.lineno}")]
                ) from exc
        else:
            try:
                data = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark is not None else ""
                problem = getattr(exc, "problem", None) or "syntax error"
                raise AssessmentValidationError(
                    [FieldError("(document)", f"is not valid YAML: {problem}{where}")]
                ) from exc
    except RecursionError as exc:
        raise _depth_error() from exc
    except ValueError as exc:
        if isinstance(exc, AssessmentValidationError):
            raise
        # int() refuses numbers of more than 4,300 digits (CVE-2020-10735 limit).
        raise AssessmentValidationError(
            [FieldError("(document)", "has a number with too many digits")]
        ) from exc
    _check_depth(data)
    return data


@dataclass
class Assessment:
    """A validated document whose references are concept slugs of the graph."""

    document: AssessmentDocument
    id: str = ""
    created: str = ""  # when it was stored (ISO 8601), empty before
    snapshot: str = ""  # the graph snapshot it was checked against
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = self.document.content_id()

    @property
    def stage_slug(self) -> str:
        return STAGE_IRIS[self.document.stage]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            **self.document.model_dump(mode="json", exclude_none=True),
            "created": self.created or None,
            "snapshot": self.snapshot or None,
        }


def __getattr__(name: str) -> Any:
    # The reference pass moved to resolve.py; keep the old import path working.
    if name in {"load_assessment", "resolve_references", "stage_warnings", "REFERENCES"}:
        from . import resolve

        return getattr(resolve, name)
    raise AttributeError(name)
