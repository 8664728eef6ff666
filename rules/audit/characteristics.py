"""What a pathology report states of a cancer: invasive or in situ, the invasive size, the nodes.

Read from the report's text only where it says so; anything not stated is reported as
``NOT_STATED``, never inferred (an unstated size is not a small one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rules.facts import Lesion

INVASIVE_LESIONS = frozenset({Lesion.IDC, Lesion.ILC, Lesion.INVASIVE_CARCINOMA})


class CancerType(StrEnum):
    INVASIVE = "invasive"
    DCIS = "DCIS"
    NOT_STATED = "not stated"


class SizeClass(StrEnum):
    MINIMAL = "<= 10 mm"
    LARGER = "> 10 mm"
    NOT_STATED = "not stated"


class NodeStatus(StrEnum):
    NEGATIVE = "node-negative"
    POSITIVE = "node-positive"
    NOT_STATED = "not stated"


# "invasive tumour size 8 mm", "measuring 1.2 cm", "size: 14 mm", "tumor size 0.9 cm"
_SIZE = re.compile(
    r"\b(?:tumou?r\s+size|invasive\s+(?:tumou?r\s+)?size|size|measur(?:es|ing))\s*:?\s*"
    r"(\d+(?:\.\d+)?)\s*(mm|cm)\b", re.IGNORECASE)
# "0/3 lymph nodes", "lymph nodes: 2/14", "sentinel lymph nodes (0/2)", "pN0", "pN1a"
_NODE_RATIO = re.compile(r"\b(\d+)\s*/\s*(\d+)\b[^.;]{0,40}\bnodes?\b|\bnodes?\b[^.;]{0,40}?"
                         r"\(?\b(\d+)\s*/\s*(\d+)\b", re.IGNORECASE)
_PN = re.compile(r"\bp?N([0-3])(?:[a-c]|mi|\(i[+-]\))?\b")
_NODE_WORDS = re.compile(
    r"\b(?:lymph\s+nodes?|sentinel\s+(?:lymph\s+)?nodes?|axillary\s+nodes?)\b[^.;]{0,60}?\b"
    r"(negative|positive|(?:no|without)\s+(?:evidence\s+of\s+)?(?:metasta|carcinoma|tumou?r)|"
    r"metasta)", re.IGNORECASE)


@dataclass(frozen=True)
class Characteristics:
    type: CancerType
    size: SizeClass
    size_mm: float | None
    nodes: NodeStatus


def cancer_type(lesions: Iterable[Lesion]) -> CancerType:
    found = set(lesions)
    if found & INVASIVE_LESIONS:
        return CancerType.INVASIVE
    if Lesion.DCIS in found:
        return CancerType.DCIS
    return CancerType.NOT_STATED


def stated_size_mm(text: str) -> float | None:
    match = _SIZE.search(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value * 10 if match.group(2).lower() == "cm" else value


def stated_nodes(text: str) -> NodeStatus:
    ratio = _NODE_RATIO.search(text)
    if ratio is not None:
        positive = ratio.group(1) or ratio.group(3)
        return NodeStatus.POSITIVE if int(positive) > 0 else NodeStatus.NEGATIVE
    stage = _PN.search(text)
    if stage is not None:
        return NodeStatus.POSITIVE if stage.group(1) != "0" else NodeStatus.NEGATIVE
    words = _NODE_WORDS.search(text)
    if words is not None:
        said = words.group(1).lower()
        if said.startswith(("negative", "no", "without")):
            return NodeStatus.NEGATIVE
        return NodeStatus.POSITIVE
    return NodeStatus.NOT_STATED


def characteristics(lesions: Iterable[Lesion], texts: Iterable[str]) -> Characteristics:
    """One cancer's characteristics from all its pathology reports (core, then excision): the
    first stated size of the invasive part, and any node statement."""
    kind = cancer_type(lesions)
    size_mm: float | None = None
    nodes = NodeStatus.NOT_STATED
    for text in texts:
        size_mm = size_mm if size_mm is not None else stated_size_mm(text)
        if nodes is NodeStatus.NOT_STATED:
            nodes = stated_nodes(text)
    size = SizeClass.NOT_STATED if size_mm is None else (
        SizeClass.MINIMAL if size_mm <= 10 else SizeClass.LARGER)
    return Characteristics(kind, size, size_mm, nodes)
