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


def test_a_misspelled_variable_is_refused_naming_the_closest_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKLIST_SMTP_HOTS", "mail.example.org")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).splitlines()[1].strip() == (
        "WORKLIST_SMTP_HOTS is not a setting; did you mean WORKLIST_SMTP_HOST?")


def test_a_misspelled_variable_in_the_env_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WORKLIST_NOTIFY_COORDINATOR=desk@example.org\n")
    with pytest.raises(SettingsError, match="did you mean WORKLIST_NOTIFY_COORDINATORS"):
        load_settings()


def test_every_field_of_the_model_is_a_known_variable_and_nothing_else_is() -> None:
    """The valid names come from the model, so a field added in any block is accepted as it is
    declared; tooling variables (tests, benchmarks, the build switch) are left alone."""
    from worklist.settings import Settings, unknown_variables

    names = [f"WORKLIST_{field.upper()}" for field in Settings.model_fields]
    assert unknown_variables(names) == []
    assert unknown_variables([n.lower() for n in names]) == [], "names are not case-sensitive"
    assert unknown_variables(["WORKLIST_TEST_REDIS_URL", "WORKLIST_BENCH_POSTGRES_URL",
                              "WORKLIST_COMPILED_RULES", "PATH", "POSTGRES_PASSWORD"]) == []
    assert unknown_variables(["WORKLIST_NO_SUCH_THING"]) == [
        "WORKLIST_NO_SUCH_THING is not a setting; docs/settings.md lists the settings"]


def test_starttls_and_ssl_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKLIST_SMTP_STARTTLS", "true")
    monkeypatch.setenv("WORKLIST_SMTP_SSL", "true")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "WORKLIST_SMTP_STARTTLS and WORKLIST_SMTP_SSL exclude each other" in message
    assert "Value error" not in message
    monkeypatch.setenv("WORKLIST_SMTP_SSL", "false")
    assert load_settings().smtp_starttls


def test_log_format_is_text_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKLIST_LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("WORKLIST_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="WORKLIST_LOG_FORMAT"):
        load_settings()
