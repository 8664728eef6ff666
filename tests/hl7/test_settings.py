"""HL7 settings: working defaults, lists and the patient namespaces read from the environment, and
a bad value stopping start-up by name."""

from __future__ import annotations

import pytest

from hl7_io.records import PatientIdentifier
from worklist.patients.identity import chosen_identifier
from worklist.settings import SettingsError, load_settings


def test_defaults_work() -> None:
    settings = load_settings()
    assert (settings.hl7_host, settings.hl7_port) == ("127.0.0.1", 2575)
    assert settings.hl7_allowed_senders == [] and settings.hl7_processing_ids == ["P"]
    assert settings.hl7_patient_namespaces == {}


def test_namespaces_map_authorities_to_the_pacs_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKLIST_HL7_PATIENT_NAMESPACES", "NFBC=NFLAB, NFRIS; =LEGACY")
    monkeypatch.setenv("WORKLIST_HL7_ALLOWED_SENDERS", "COPATH, EPIC")
    settings = load_settings()
    namespaces = settings.hl7_patient_namespaces
    assert namespaces == {"NFLAB": "NFBC", "NFRIS": "NFBC", "LEGACY": ""}
    assert settings.hl7_allowed_senders == ["COPATH", "EPIC"]
    ids = (PatientIdentifier("555", "HOSP", "PI"), PatientIdentifier("PUB-1", "NFLAB", "MR"))
    assert chosen_identifier(ids, namespaces) == ("PUB-1", "NFBC")
    assert chosen_identifier(ids[:1], namespaces) == ("555", "HOSP")
    assert chosen_identifier((PatientIdentifier("9", "LEGACY"),), namespaces) == ("9", "")


@pytest.mark.parametrize(("variable", "value"), [
    ("WORKLIST_HL7_PATIENT_NAMESPACES", "NFBC"),
    ("WORKLIST_HL7_PATIENT_NAMESPACES", "A=X;B=X"),
    ("WORKLIST_HL7_PROCESSING_IDS", "Q"),
    ("WORKLIST_HL7_PORT", "0"),
    ("WORKLIST_HL7_TLS_CERT", "/etc/cert.pem"),
])
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str,
                                        value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match="WORKLIST_HL7|settings"):
        load_settings()
