"""``worklist read`` shows what the reader finds, for text and for a DICOM SR file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED_EXAMPLES
from worklist.cli import app


def test_plain_text_gives_facts_with_their_sentences() -> None:
    text = ("LEFT: possible developing asymmetry at 2 o'clock. No suspicious calcifications. "
            "IMPRESSION: BI-RADS 4B. Recommend tomosynthesis-guided biopsy.")
    result = CliRunner().invoke(app, ["read", text, "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert [(f["type"], f["laterality"], f["certainty"]) for f in facts["findings"]] == [
        ("developing-asymmetry", "L", "uncertain")
    ]
    assert facts["recommendations"][0]["guidance"] == "tomosynthesis"
    human = CliRunner().invoke(app, ["read", text], terminal_width=200)
    assert "No suspicious calcifications" not in human.output
    assert "possible developing asymmetry at 2 o'clock" in human.output


def test_outside_priors_on_hand_are_shown() -> None:
    text = ("COMPARISON: Outside mammograms from Riverbend Radiology, 2023, now available. "
            "IMPRESSION: BI-RADS 2. Annual screening.")
    human = CliRunner().invoke(app, ["read", text], terminal_width=200)
    assert human.exit_code == 0, human.output
    assert "outside priors on hand" in human.output and "now available" in human.output


def test_dicom_procedure_report_gives_its_correspondence() -> None:
    path = SHARED_EXAMPLES / "dicom" / "PUB-0002" / "006-01-SR-BASIC.dcm"
    if not path.exists():
        pytest.skip("the shared examples are not beside the repository")
    result = CliRunner().invoke(app, ["read", str(path), "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["kind"] == "procedure"
    assert facts["procedures"][0]["guidance"] == "ultrasound"
    assert [(c["relation"], c["finding_type"]) for c in facts["correspondences"]] == [
        ("does-not-correspond", "asymmetry")
    ]


@pytest.mark.parametrize("source", ["reports/left-biopsy.txt", "missing.dcm", "./typo"])
def test_a_path_that_does_not_exist_is_an_error_not_report_text(source: str) -> None:
    result = CliRunner().invoke(app, ["read", source])
    assert result.exit_code == 2
    assert "no such file" in result.output
    assert "other report" not in result.output, "the path was read as report text"
