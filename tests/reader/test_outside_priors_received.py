"""A report that has the outside priors on hand says so (received, now available, reviewed,
compared with); a report still waiting for them, asking for them, or comparing only with this
site's own earlier study does not."""

from __future__ import annotations

import pytest

from rules.reader import read_text


def received(text: str) -> bool:
    return bool(read_text(text, title="MAMMOGRAM BILATERAL").outside_priors_received)


@pytest.mark.parametrize("text", [
    "Comparison: Outside mammograms from Riverbend Radiology, about three years ago, now available.",
    "Findings: The right upper outer asymmetry is unchanged compared with the outside study.",
    "Addendum: Outside mammograms from 3 and 4 years ago have been received and reviewed.",
    "Addendum: Prior examinations from St. Anne's Hospital dated 2020 and 2022 were received and compared.",
    "Comparison: Outside films from 2019 (Mercy Imaging Center).",
    "Impression: New right breast mass compared with the outside study. BI-RADS 0.",
    "Addendum: The outside films we requested have now arrived; no change.",
    "Addendum: Priors are now available.",
    "Comparison: Prior mammograms from 2019 and 2021 (outside).",
    "Addendum: Addendum after comparison with outside films from 2020: the asymmetry is stable.",
])
def test_priors_on_hand(text: str) -> None:
    assert received(text)


@pytest.mark.parametrize("text", [
    "Comparison: None available; baseline at this facility.",
    "Impression: BI-RADS 0: incomplete, need prior mammograms for comparison. Please obtain prior outside "
    "mammograms from Lakeview Radiology.",
    "History: Outside prior mammograms were requested at the last visit and have not been received.",
    "Impression: Outside films remain outstanding; please forward them if available.",
    "Impression: Comparison with outside films is recommended.",
    "Impression: Outside films requested.",
    "Comparison: Prior screening mammogram of 2 weeks ago.",
    "Findings: Compared with prior studies, there is no change.",
    "Comparison: Screening mammogram of three weeks ago.",
])
def test_priors_not_on_hand(text: str) -> None:
    assert not received(text)
