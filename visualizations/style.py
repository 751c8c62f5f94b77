"""How each kind of node looks: one colour and one shape per kind (Okabe–Ito colours, safe for colour blindness)."""

from __future__ import annotations

from typing import TypedDict


class KindStyle(TypedDict):
    label: str
    color: str
    shape: str


KIND_STYLES: dict[str, KindStyle] = {
    "theme": {"label": "Theme", "color": "#009E73", "shape": "hexagon"},
    "participant": {"label": "Participant", "color": "#0072B2", "shape": "dot"},
    "organisation": {"label": "Organisation", "color": "#E69F00", "shape": "square"},
    "question": {"label": "Question", "color": "#D55E00", "shape": "star"},
    "resource": {"label": "Resource", "color": "#CC79A7", "shape": "diamond"},
    "quote": {"label": "Quote", "color": "#8C96A3", "shape": "triangle"},
}
LESSON_COLOR = "#00664A"  # the six lessons: darker than other themes, drawn as hubs
RELATION_COLORS: dict[str, str] = {
    "saidBy": "#7FB2D8",
    "sharedBy": "#E3AFCB",
    "hasTheme": "#8FD0BB",
    "discusses": "#8FD0BB",
    "answers": "#EDB08C",
    "answered": "#EDB08C",
    "askedBy": "#EDB08C",
    "broader": "#4FA98C",
}
DEFAULT_EDGE_COLOR = "#C9CED6"
RELATION_COLORS.update({"reply": "#56B4E9", "mention": "#CC79A7", "reply+mention": "#0072B2"})
# Communities of the people view (Tableau 10, distinct on white); the eleventh and later reuse them.
COMMUNITY_COLORS = [
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
]
NO_COMMUNITY_COLOR = "#C3C8CF"
