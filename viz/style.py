"""The visual grammar: one shape and one colour per class, one line style per relation.

Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies), and
the shape carries the class too, so nothing depends on colour alone. Interpreted edges are
dashed, stated edges solid. Influences and focuses carry a "+" label, hurts a "−".
"""

import base64
from dataclasses import dataclass

# Okabe-Ito
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"


@dataclass(frozen=True)
class ClassStyle:
    key: str  # the class local name, or "Other"
    label: str  # plural, for the legend and the type filter
    shape: str  # a vis-network shape
    color: str
    font_color: str = "#1a1a1a"
    dashed_border: bool = False
    size: int = 16


CLASS_STYLES: dict[str, ClassStyle] = {
    s.key: s
    for s in (
        ClassStyle("Value", "Values", "star", ORANGE, size=18),
        ClassStyle("Mechanism", "Mechanisms", "square", REDDISH_PURPLE, size=13),
        ClassStyle("InputMetric", "Input metrics", "triangle", SKY_BLUE, size=14),
        ClassStyle("Capability", "Capabilities", "dot", BLUISH_GREEN, size=14),
        ClassStyle("DiagnosticCapability", "Diagnostic capabilities", "hexagon", BLUISH_GREEN),
        ClassStyle("ContributingFactor", "Contributing factors", "triangleDown", YELLOW),
        ClassStyle("FailureFactor", "Failure factors", "diamond", VERMILLION),
        ClassStyle("PositiveOutcome", "Positive outcomes", "box", BLUE, font_color="#ffffff"),
        ClassStyle("Practice", "Practices", "pentagon", SKY_BLUE, size=15),
        ClassStyle("Challenge", "Challenges", "cross", ORANGE, size=14),
        ClassStyle("ScalingSignal", "Scaling signals", "square", YELLOW, dashed_border=True),
        ClassStyle("Other", "Other (stages, statistics…)", "dot", GREY, dashed_border=True, size=9),
    )
}
# The order of the legend and of the type filter: the causal chain first.
CLASS_ORDER: tuple[str, ...] = tuple(CLASS_STYLES)

# Shapes whose label is drawn inside: they get a width limit instead of a size.
LABEL_INSIDE = frozenset({"box", "ellipse", "database", "circle", "text"})
# vis-network has seven shapes with the label outside; two more are drawn as SVG images (points in
# a 20×20 box), so that each main class has a shape of its own.
POLYGONS = {
    "pentagon": "10,1 19,8 15.5,19 4.5,19 1,8",
    "cross": "7,1 13,1 13,7 19,7 19,13 13,13 13,19 7,19 7,13 1,13 1,7 7,7",
}
DIM_BACKGROUND = "#e8e8e8"
DIM_BORDER = "#c4c4c4"
DIM_FONT = "#a0a0a0"


def polygon_image(points: str, fill: str, stroke: str) -> str:
    """A data: URI of an SVG polygon (our own constants only; never data from the graph)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 20 20">'
        f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.2" '
        'stroke-linejoin="round"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def class_key(type_name: str) -> str:
    """The legend class of a display type (minor classes share "Other")."""
    return type_name if type_name in CLASS_STYLES else "Other"


def class_style(type_name: str) -> ClassStyle:
    return CLASS_STYLES[class_key(type_name)]


@dataclass(frozen=True)
class RelationStyle:
    key: str  # predicate local name
    label: str  # how it reads
    color: str
    sign: str = ""  # "+", "−" or ""
    arrow: str = "arrow"  # vis-network arrow type: arrow, bar, circle, vee, triangle
    width: float = 1.5


RELATION_STYLES: dict[str, RelationStyle] = {
    s.key: s
    for s in (
        RelationStyle("influencesPositively", "influences (+)", BLUISH_GREEN, "+", width=2),
        RelationStyle("mitigates", "mitigates", BLUE, arrow="bar", width=2),
        RelationStyle("causes", "causes", ORANGE, width=2),
        RelationStyle("hurts", "hurts (−)", VERMILLION, "−", width=2.5),
        RelationStyle("applies", "applies", REDDISH_PURPLE),
        RelationStyle("focuses", "focuses (+)", SKY_BLUE, "+"),
        RelationStyle("watches", "watches", SKY_BLUE, arrow="circle"),
        RelationStyle("supports", "supports", GREY, arrow="vee"),
        RelationStyle("addresses", "addresses", BLACK, arrow="vee"),
        RelationStyle("signals", "signals", "#8a7f00", arrow="circle"),
    )
}
DEFAULT_RELATION = RelationStyle("other", "other", GREY)


def relation_style(predicate: str) -> RelationStyle:
    return RELATION_STYLES.get(predicate, DEFAULT_RELATION)


@dataclass(frozen=True)
class ConfidenceStyle:
    key: str  # graph/confidence.py: stated, strong, plausible, speculative
    label: str
    width: float  # times the relation's width
    alpha: float  # line opacity


# Surer edges are drawn wider and darker; interpreted ones stay dashed (the basis).
CONFIDENCE_STYLES: dict[str, ConfidenceStyle] = {
    c.key: c
    for c in (
        ConfidenceStyle("stated", "stated: the source says it", 1.6, 1.0),
        ConfidenceStyle("strong", "strong", 1.25, 0.85),
        ConfidenceStyle("plausible", "plausible", 1.0, 0.6),
        ConfidenceStyle("speculative", "speculative", 0.7, 0.4),
    )
}
# Until a node is hovered or selected, the overview draws its edges this much fainter.
FADED_ALPHA = 0.28


def confidence_style(confidence: str) -> ConfidenceStyle:
    return CONFIDENCE_STYLES.get(confidence, CONFIDENCE_STYLES["speculative"])


def rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{round(alpha, 3)})"


def legend() -> dict[str, list[dict]]:
    """The legend as data, for the page (which draws the icons) and for tests."""
    return {
        "classes": [
            {
                "key": s.key,
                "label": s.label,
                "shape": s.shape,
                "color": s.color,
                "dashed": s.dashed_border,
                "points": POLYGONS.get(s.shape),
            }
            for s in CLASS_STYLES.values()
        ],
        "relations": [
            {"key": r.key, "label": r.label, "color": r.color, "sign": r.sign, "arrow": r.arrow}
            for r in RELATION_STYLES.values()
        ],
        "confidence": [
            {"key": c.key, "label": c.label, "width": c.width, "alpha": c.alpha}
            for c in CONFIDENCE_STYLES.values()
        ],
    }


def node_options(type_name: str, *, dim: bool = False) -> dict:
    """vis-network options for a node of this display type (without id, label, position).

    ``dim``: the greyed twin, same shape, used for what is off a highlighted path.
    """
    s = class_style(type_name)
    fill, border = (DIM_BACKGROUND, DIM_BORDER) if dim else (s.color, "#333333")
    options: dict = {
        "shape": s.shape,
        "color": {
            "background": fill,
            "border": border,
            "highlight": {"background": fill, "border": BLACK},
            "hover": {"background": fill, "border": BLACK},
        },
        "borderWidth": 1.5,
        "font": {"color": DIM_FONT if dim else "#1a1a1a", "size": 14, "face": "sans-serif"},
    }
    if s.shape in LABEL_INSIDE:
        options["font"]["color"] = DIM_FONT if dim else s.font_color
        options["widthConstraint"] = {"maximum": 220}
        options["margin"] = 8
    else:
        options["size"] = s.size
        options["font"]["strokeWidth"] = 3
        options["font"]["strokeColor"] = "#ffffff"
        options["widthConstraint"] = {"maximum": 210}
    if s.shape in POLYGONS:
        options["shape"] = "image"
        options["image"] = polygon_image(POLYGONS[s.shape], fill, border)
        options["shapeProperties"] = {"interpolation": True}
    if s.dashed_border:
        options["shapeProperties"] = {"borderDashes": [4, 3]}
    return options


def faded_edge_color(predicate: str, confidence: str) -> dict:
    """The overview's colour of an edge (``color``) and of its sign (``font``): its relation's,
    faint, until a node is hovered or selected (then vis-network draws the node's edges in
    ``hover``/``highlight``)."""
    r = relation_style(predicate)
    alpha = confidence_style(confidence).alpha * FADED_ALPHA
    return {
        "color": {
            "color": rgba(r.color, alpha),
            "highlight": r.color,
            "hover": r.color,
            "inherit": False,
        },
        "font": {"color": rgba(r.color, min(1.0, alpha * 1.5))},
    }


def edge_options(predicate: str, basis: str, confidence: str | None = None) -> dict:
    """vis-network options for an edge: colour and arrow by relation, dashes by basis, width and
    opacity by confidence (when given). Hovered and selected edges are drawn in the full relation
    colour (``faded_edge_color`` is the overview's colour until then)."""
    r = relation_style(predicate)
    c = confidence_style(confidence) if confidence else None
    alpha = c.alpha if c else 1.0
    options: dict = {
        # Selected and hovered edges keep their colour (the relation) and get wider.
        "color": {
            "color": rgba(r.color, alpha) if c else r.color,
            "highlight": r.color,
            "hover": r.color,
            "inherit": False,
        },
        "width": round(r.width * (c.width if c else 1.0), 2),
        "dashes": basis != "stated",
        "arrows": {"to": {"enabled": True, "type": r.arrow, "scaleFactor": 0.7}},
    }
    if r.sign:
        options["label"] = r.sign
        options["font"] = {
            "size": 18,
            "color": r.color,
            "strokeWidth": 4,
            "strokeColor": "#ffffff",
            "align": "middle",
            "bold": True,
        }
    return options
