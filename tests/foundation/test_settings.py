"""Settings: working defaults, comma lists, and bad values that name their variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from worklist.settings import SettingsError, load_settings


def test_defaults_run_on_a_fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "BROKER_URL", "AE_TITLE", "DICOM_PORT", "HTTP_PORT", "ALLOWED_AES"):
        monkeypatch.delenv(f"WORKLIST_{name}", raising=False)
    settings = load_settings()
    assert settings.ae_title == "WORKLIST"
    assert settings.dicom_port == 11112
    assert settings.http_port == 8000
    assert settings.allowed_aes == []
    assert not settings.uses_broker
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'data' / 'worklist.db'}"


def test_allowed_aes_is_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKLIST_ALLOWED_AES", " PACS1 ,MAMMO_QA,, ")
    assert load_settings().allowed_aes == ["PACS1", "MAMMO_QA"]


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKLIST_AE_TITLE", raising=False)
    (tmp_path / ".env").write_text("WORKLIST_AE_TITLE=BREASTWL\n")
    assert load_settings().ae_title == "BREASTWL"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORKLIST_DICOM_PORT", "abc"),
        ("WORKLIST_DICOM_PORT", "70000"),
        ("WORKLIST_HTTP_PORT", "-1"),
        ("WORKLIST_AE_TITLE", "A_TITLE_LONGER_THAN_16"),
        ("WORKLIST_ALLOWED_AES", "PACS,BAD\\AE"),
        ("WORKLIST_DATABASE_URL", "mysql://somewhere/db"),
        ("WORKLIST_BROKER_URL", "http://not-a-broker"),
        ("WORKLIST_LOG_LEVEL", "chatty"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)


def test_error_never_echoes_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKLIST_DATABASE_URL", "mysql://user:s3cret-pw@db/worklist")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "s3cret-pw" not in str(raised.value)
