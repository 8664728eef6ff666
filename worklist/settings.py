"""One typed settings object, read from ``WORKLIST_*`` environment variables and an optional ``.env``.

Defaults run the whole product on a fresh machine: a SQLite file under the data directory and no
broker (tasks run in-process). A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from dotenv import dotenv_values
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "WORKLIST_"
ENV_FILE = ".env"
# DICOM AE titles: up to 16 characters of the default character repertoire, no backslash or controls.
VIEWER_PLACEHOLDERS = ("StudyInstanceUID", "AccessionNumber")
_AE_TITLE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")


class SettingsError(Exception):
    """Raised at start-up when a setting is invalid; the message names the environment variable."""


def _ae_title(value: str, variable: str) -> str:
    title = value.strip()
    if not _AE_TITLE.match(title):
        raise ValueError(f"{title!r} is not a valid AE title (1-16 printable ASCII, no backslash)")
    return title


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default=Path("data"), description="Where the SQLite file and spool live.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir.")
    broker_url: str = Field(default="", description="Celery broker URL; empty = in-process tasks.")

    ae_title: str = "WORKLIST"
    dicom_host: str = "0.0.0.0"
    dicom_port: int = Field(default=11112, ge=1, le=65535)
    allowed_aes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_pdu: int = Field(default=262_144, ge=0)
    max_object_bytes: int = Field(default=4 * 1024**3, gt=0)
    spool_retention_days: int = Field(
        default=0, ge=0,
        description="Days a processed object's file stays in the spool; 0 keeps it for good.",
    )
    dicom_tls_cert: Path | None = None
    dicom_tls_key: Path | None = None
    dicom_tls_ca: Path | None = None

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    secret_key: str = Field(default="", description="Signs session cookies; empty = kept in data_dir.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per user name before it is locked for a while."
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, description="How long failed logins count against a name or address."
    )

    site_config: Path | None = Field(default=None, description="Site rules file (intervals etc.).")
    timezone: str = Field(
        default="UTC", description="IANA zone for DICOM dates and times that carry no offset, "
        "and of every date and time the pages show."
    )
    upcoming_horizon_days: int = Field(
        default=60, ge=0, le=3660,
        description="Items due further ahead than this are listed under 'upcoming', not today.",
    )
    viewer_url: str = Field(
        default="", description="The image viewer's URL for one study, with {StudyInstanceUID} "
        "and/or {AccessionNumber}; empty = no viewer links.",
    )
    list_refresh_seconds: int = Field(
        default=60, ge=0, le=3600,
        description="How often an open worklist page refreshes its rows; 0 = never.",
    )
    log_level: str = "INFO"

    # Pipeline
    workers: int = Field(default=2, ge=1, le=64, description="In-process pipeline threads.")
    sweep_after_seconds: int = Field(
        default=120, ge=1, description="Re-publish inbox rows still pending after this long."
    )
    max_attempts: int = Field(default=5, ge=1, description="Tries before an inbox row is failed.")
    read_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Time one object may take to be read before it is failed."
    )
    read_memory_mb: int = Field(
        default=512, ge=64, description="Memory one object's reading may use before it is failed."
    )
    sweep_every_seconds: float = Field(
        default=30.0, gt=0, description="How often the sweeper looks for stranded inbox rows."
    )
    remind_every_seconds: float = Field(
        default=60.0, gt=0, description="How often reminders and escalations are checked."
    )

    # Notifications
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "worklist@localhost"
    notify_coordinators: Annotated[list[str], NoDecode] = Field(default_factory=list)
    notify_radiologists: Annotated[list[str], NoDecode] = Field(default_factory=list)
    notify_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_url: str = ""
    public_url: str = Field(default="", description="Base URL of the web UI, for links in e-mails.")
    digest_hour: int = Field(default=7, ge=0, le=23, description="Local hour of the daily digest.")

    # Operations: log format, metrics, go-live backfill (docs/settings.md, docs/deployment.md)
    log_format: str = Field(default="text", description="text, or json: one JSON object a line.")
    metrics_token: str = Field(
        default="", description="Bearer token for GET /metrics on the web port; empty = off."
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address of the metrics port of non-web processes."
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535,
        description="Plain-HTTP Prometheus port of listener, worker and beat; 0 = none.",
    )
    backfill_study_age_days: int = Field(
        default=30, ge=0,
        description="Objects of a study older than this are backfill (reminders start at go-live); "
                    "0 = only `worklist import` is.",
    )
    # HL7 v2 front door: the MLLP listener for results (ORU^R01) and patient updates (ADT)
    hl7_host: str = "127.0.0.1"
    hl7_port: int = Field(default=2575, ge=1, le=65535)
    hl7_application: str = Field(default="WORKLIST", description="MSH-3 of the ACKs we send.")
    hl7_allowed_senders: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="MSH-3 sending applications allowed; empty = any."
    )
    hl7_processing_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["P"], description="MSH-11 processing ids taken (P production)."
    )
    hl7_patient_namespaces: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="PID-3 assigning authorities per DICOM issuer: 'ISSUER=AUTH1,AUTH2;...'.",
    )
    hl7_max_message_bytes: int = Field(default=16 * 1024**2, ge=1024)
    hl7_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    hl7_max_connections_per_peer: int = Field(default=8, ge=1)
    hl7_tls_cert: Path | None = None
    hl7_tls_key: Path | None = None
    hl7_tls_ca: Path | None = None

    @field_validator("hl7_processing_ids")
    @classmethod
    def _check_processing_ids(cls, value: list[str]) -> list[str]:
        ids = [v.upper() for v in value]
        if not ids or any(v not in {"P", "T", "D"} for v in ids):
            raise ValueError("a comma list of P (production), T (training), D (debugging)")
        return ids

    @field_validator("hl7_patient_namespaces", mode="before")
    @classmethod
    def _parse_namespaces(cls, value: object) -> object:
        """``NFBC=NFLAB,NFRIS;=LEGACY``: authorities NFLAB and NFRIS are the identifiers PACS
        sends under issuer NFBC; LEGACY's are those PACS sends with no issuer."""
        if not isinstance(value, str):
            return value
        mapping: dict[str, str] = {}
        for group in (g.strip() for g in value.split(";")):
            if not group:
                continue
            issuer, equals, authorities = group.partition("=")
            names = [a.strip() for a in authorities.split(",") if a.strip()]
            if not equals or not names:
                raise ValueError("groups look like ISSUER=AUTHORITY1,AUTHORITY2 separated by ;")
            for name in names:
                if name in mapping and mapping[name] != issuer.strip():
                    raise ValueError(f"authority {name!r} is given two issuers")
                mapping[name] = issuer.strip()
        return mapping

    @model_validator(mode="after")
    def _check_hl7_tls_pair(self) -> Settings:
        if (self.hl7_tls_cert is None) != (self.hl7_tls_key is None):
            raise ValueError("WORKLIST_HL7_TLS_CERT and WORKLIST_HL7_TLS_KEY go together")
        return self

    # Sessions, accounts and single sign-on
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60,
        description="A browser session unused this long ends (an unattended workstation).",
    )
    session_max_hours: int = Field(
        default=12, ge=1, le=7 * 24,
        description="A browser session ends this long after login, however active.",
    )
    migration_database_url: str = Field(
        default="",
        description="PostgreSQL: the tables' owner, for migrations and grants; the application "
        "connects with WORKLIST_DATABASE_URL as a role that does not own them. Empty: the same.",
    )
    oidc_issuer: str = Field(default="", description="OpenID Connect issuer URL; empty = off.")
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_username_claim: str = "preferred_username"
    oidc_role_claim: str = Field(default="roles", description="The claim that lists groups or roles.")
    oidc_roles: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="claim value=role pairs, e.g. breast-nurses=coordinator; the first that "
        "matches wins. A user matching none is refused.",
    )
    oidc_label: str = "Log in with the hospital account"

    @field_validator("oidc_roles", mode="before")
    @classmethod
    def _split_oidc_roles(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in (p.strip() for p in value.split(",")) if part]
        return value

    @field_validator("oidc_roles")
    @classmethod
    def _check_oidc_roles(cls, value: list[str]) -> list[str]:
        roles = {"coordinator", "radiologist", "admin"}
        for pair in value:
            claim, _, role = pair.partition("=")
            if not claim.strip() or role.strip().lower() not in roles:
                raise ValueError(f"{pair!r} is not claim-value=role with a role among "
                                 "coordinator, radiologist, admin")
        return [f"{c.strip()}={r.strip().lower()}" for c, _, r in (p.partition("=") for p in value)]

    @field_validator("oidc_issuer")
    @classmethod
    def _check_oidc_issuer(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        loopback = re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", value)
        if value and not (value.startswith("https://") or loopback):
            raise ValueError("must be an https:// URL (plain http only on this machine's loopback)")
        return value

    @field_validator("migration_database_url")
    @classmethod
    def _check_migration_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^postgresql(\+\w+)?://", value):
            raise ValueError("must be a postgresql:// URL, or empty")
        return value

    @model_validator(mode="after")
    def _check_oidc_complete(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret
                                     and self.oidc_roles):
            raise ValueError("WORKLIST_OIDC_ISSUER needs WORKLIST_OIDC_CLIENT_ID, "
                             "WORKLIST_OIDC_CLIENT_SECRET and WORKLIST_OIDC_ROLES")
        return self

    @property
    def oidc_role_map(self) -> list[tuple[str, str]]:
        return [(c, r) for c, _, r in (pair.partition("=") for pair in self.oidc_roles)]

    @property
    def https(self) -> bool:
        """Served over https (the public URL says so): cookies are Secure, HSTS is sent."""
        return self.public_url.startswith("https://")

    @property
    def effective_migration_database_url(self) -> str:
        return self.migration_database_url or self.effective_database_url

    @field_validator("ae_title")
    @classmethod
    def _check_ae_title(cls, value: str) -> str:
        return _ae_title(value, "ae_title")

    @field_validator(
        "allowed_aes", "notify_coordinators", "notify_radiologists", "notify_admins",
        "hl7_allowed_senders", "hl7_processing_ids", mode="before"
    )
    @classmethod
    def _split_allowed_aes(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in (p.strip() for p in value.split(",")) if part]
        return value

    @field_validator("allowed_aes")
    @classmethod
    def _check_allowed_aes(cls, value: list[str]) -> list[str]:
        return [_ae_title(v, "allowed_aes") for v in value]

    @field_validator("notify_coordinators", "notify_radiologists", "notify_admins")
    @classmethod
    def _check_addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(r"^[^@\s]+@[^@\s]+$", address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @field_validator("webhook_url", "public_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://", value):
            raise ValueError("must be an http:// or https:// URL, or empty")
        return value

    @field_validator("viewer_url")
    @classmethod
    def _check_viewer_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        if not re.match(r"^https?://", value):
            raise ValueError("must be an http:// or https:// URL, or empty")
        names = set(re.findall(r"\{([^{}]*)\}", value))
        if not names or names - set(VIEWER_PLACEHOLDERS):
            raise ValueError("must name {StudyInstanceUID} and/or {AccessionNumber}, and no "
                             "other {placeholder}")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^(redis|rediss|amqp|memory)://", value):
            raise ValueError("must be a redis://, rediss:// or amqp:// URL, or empty")
        return value

    @model_validator(mode="after")
    def _check_tls_pair(self) -> Settings:
        if (self.dicom_tls_cert is None) != (self.dicom_tls_key is None):
            raise ValueError("WORKLIST_DICOM_TLS_CERT and WORKLIST_DICOM_TLS_KEY go together")
        return self

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        form = value.strip().lower()
        if form not in {"text", "json"}:
            raise ValueError("must be text or json")
        return form

    @model_validator(mode="after")
    def _check_smtp_security(self) -> Settings:
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError(
                "WORKLIST_SMTP_STARTTLS and WORKLIST_SMTP_SSL exclude each other: SSL speaks TLS "
                "from the first byte (usually port 465), STARTTLS upgrades a plain connection "
                "(usually 587); turn one off")
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'worklist.db').resolve()}"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def uses_broker(self) -> bool:
        return bool(self.broker_url)


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        variable = f"{ENV_PREFIX}{field.upper()}"
        # Never echo the value itself: a URL may carry a password.
        message = str(problem["msg"]).removeprefix("Value error, ")
        # A rule between settings names its variables itself.
        lines.append(f"{variable}: {message}" if field else message)
    return "invalid settings:\n  " + "\n  ".join(lines)


# WORKLIST_* variables that are not settings: build switches and the test and benchmark harness.
NOT_SETTINGS = frozenset({"WORKLIST_COMPILED_RULES", "WORKLIST_EXPECT_COMPILED_RULES"})
NOT_SETTINGS_PREFIXES = ("WORKLIST_TEST_", "WORKLIST_BENCH_")


def setting_names() -> list[str]:
    """Every ``WORKLIST_*`` variable a setting reads, from the model (so new fields count)."""
    return [f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields]


def unknown_variables(names: Iterable[str]) -> list[str]:
    """One line per ``WORKLIST_*`` name that no setting reads, with the closest valid name."""
    valid = setting_names()
    problems = []
    for name in sorted({n.upper() for n in names if n.upper().startswith(ENV_PREFIX)}):
        if name in valid or name in NOT_SETTINGS or name.startswith(NOT_SETTINGS_PREFIXES):
            continue
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else "docs/settings.md lists the settings"
        problems.append(f"{name} is not a setting; {hint}")
    return problems


def _given_names(environ: Mapping[str, str]) -> list[str]:
    names = list(environ)
    if Path(ENV_FILE).is_file():
        names += [name for name in dotenv_values(ENV_FILE) if name]
    return names


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError naming the variable on a bad value, or on
    a ``WORKLIST_*`` variable that is no setting (a misspelling would otherwise go unnoticed)."""
    unknown = unknown_variables(_given_names(os.environ))
    if unknown:
        raise SettingsError("unknown settings:\n  " + "\n  ".join(unknown))
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests build their own with ``load_settings``."""
    return load_settings()
