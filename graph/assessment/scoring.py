"""The arithmetic of the diagnostic: strength, confidence, exposure, the next level, effort.

Pure functions of numbers; the graph walks are in ``diagnostic.py``, the evidence in
``evidence.py``, the prose in ``advice.py`` and ``report.py``. The model, with the reasons for
each weight and a worked example, is in docs/diagnostic.md; in short:

- level(c) = sqrt(depth x width), 0..4: the side of the square the capability covers. Zero on
  either axis is zero (deep but nowhere, or everywhere but shallow, does not mitigate).
- strength(c) = 1 - (1 - level/4)^2: diminishing returns. Establishing a missing capability
  (level 0 -> 1) removes more exposure than polishing a mature one (3 -> 4): the basics first.
- confidence weight of an edge (stated 1, strong 0.85, plausible 0.6, speculative 0.35) and of
  a path (its weakest step); a mitigation counts w_path x confidence x strength.
- exposure(f) = product over mitigators of (1 - weight x confidence x strength): a noisy-OR, the
  chance that nothing the organisation has stops f.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..confidence import PLAUSIBLE, SPECULATIVE, STATED, STRONG, rank

MODEL_VERSION = 2

# How much a mitigation counts, by the confidence of the edge (or the weakest edge of a path).
CONFIDENCE_WEIGHTS: dict[str, float] = {
    STATED: 1.0,
    STRONG: 0.85,
    PLAUSIBLE: 0.6,
    SPECULATIVE: 0.35,
}
# What the organisation says the next step costs; gain per effort divides by these points.
EFFORT_POINTS: dict[str, float] = {"S": 1.0, "M": 2.0, "L": 4.0}
DEFAULT_EFFORT = "M"


@dataclass(frozen=True)
class Parameters:
    indirect_weight: float = 0.5  # a mitigation through one causes hop counts half
    basics_bonus: float = 1.5  # sequencing: a missing or shallow capability of the stage
    other_stage_factor: float = 0.5  # a capability of the other stage, rated by the org
    tie_decimals: int = 3  # scores equal to this many decimals are a tie
    next_steps: int = 3  # moves in the headline
    chains_per_step: int = 3  # explanation chains per next step
    rituals_per_step: int = 3  # mechanisms suggested per next step


DEFAULT = Parameters()


def level(depth: int, width: int) -> float:
    """sqrt(depth x width): 0..4, zero when either axis is zero."""
    return math.sqrt(depth * width)


def strength_at_level(value: float) -> float:
    """1 - (1 - level/4)^2: 0 for a missing capability, 1 at level 4, concave in between."""
    return 1.0 - (1.0 - value / 4.0) ** 2


def strength(depth: int, width: int) -> float:
    return strength_at_level(level(depth, width))


def confidence_weight(confidence: str) -> float:
    return CONFIDENCE_WEIGHTS.get(confidence, CONFIDENCE_WEIGHTS[SPECULATIVE])


def path_confidence(confidences: Iterable[str]) -> str:
    """A path is as sure as its weakest step."""
    values = list(confidences)
    return max(values, key=rank) if values else STATED


def exposure_of(mitigations: Iterable[float]) -> float:
    """exposure = product of (1 - effective) over (effective mitigation) values in 0..1."""
    out = 1.0
    for effective in mitigations:
        out *= 1.0 - min(1.0, max(0.0, effective))
    return out


def next_level(depth: int, width: int, target: tuple[int, int] | None = None) -> tuple[int, int]:
    """The realistic next step: 0x0 -> 1x1; otherwise the lower axis up by one (tie: depth).

    Never past the organisation's target on an axis; (depth, width) itself when there is no
    step left (at 4x4 or at the target).
    """
    top_d, top_w = target or (4, 4)
    if depth == 0 and width == 0:
        return min(1, top_d), min(1, top_w)
    if depth <= width and depth < top_d:
        return depth + 1, width
    if width < top_w:
        return depth, width + 1
    if depth < top_d:
        return depth + 1, width
    return depth, width


def effort_points(effort: str | None) -> float:
    return EFFORT_POINTS[effort or DEFAULT_EFFORT]


def key(x: float) -> float:
    """Sort key for floats: rounded, so that float noise never changes an order."""
    return round(x, 9)


def r(x: float) -> float:
    """Rounded for the report."""
    return round(x, 4)
