"""Configuration, read once from the environment (and `.env`) and passed down.

Lower layers (tools/, knowledge/, sandbox/) never import this module: the runtime builds
them from the values here.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob Quartermaster has. Names are the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    # where everything embedded lives (sandbox DB, state DB, Chroma, logs)
    data_dir: Path = Field(Path("var"), validation_alias=AliasChoices("QM_DATA_DIR"))

    # ERP: a real Odoo when ODOO_URL is set, otherwise the embedded sandbox
    odoo_url: str | None = Field(None, validation_alias=AliasChoices("ODOO_URL"))
    odoo_db: str = Field("quartermaster", validation_alias=AliasChoices("ODOO_DB"))
    odoo_login: str = Field("admin", validation_alias=AliasChoices("ODOO_LOGIN", "ODOO_USER"))
    odoo_password: str = Field("admin", validation_alias=AliasChoices("ODOO_PASSWORD", "ODOO_API_KEY"))
    odoo_timeout: float = Field(15.0, validation_alias=AliasChoices("QM_ODOO_TIMEOUT"))
    sandbox_port: int = Field(8069, validation_alias=AliasChoices("QM_SANDBOX_PORT"))
    sandbox_scale: int = Field(1, validation_alias=AliasChoices("QM_SANDBOX_SCALE"))
    sandbox_seed: int = Field(42, validation_alias=AliasChoices("QM_SANDBOX_SEED"))
    # which demo business the embedded sandbox serves: bluebonnet (default) or hollander
    sandbox_business: Literal["bluebonnet", "hollander"] = Field(
        "bluebonnet", validation_alias=AliasChoices("QM_SANDBOX_BUSINESS"))

    # at start, compute the day's lead-time model, purchase anomalies and supplier risk in the background so the
    # first person to ask does not wait for them (issue #15; cached per company day)
    warm_intel: bool = Field(True, validation_alias=AliasChoices("QM_WARM_INTEL"))

    # state store (proposals, audit, conversations)
    database_url: str | None = Field(None, validation_alias=AliasChoices("QM_DATABASE_URL"))

    # chat model: "auto" = llm when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline
    brain: Literal["auto", "offline", "llm"] = Field("auto", validation_alias=AliasChoices("QM_BRAIN"))
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("QM_MODEL"))
    turn_tool_budget: int = Field(8, validation_alias=AliasChoices("QM_TURN_TOOL_BUDGET"))
    turn_time_budget_s: float = Field(60.0, validation_alias=AliasChoices("QM_TURN_TIME_BUDGET"))

    # vector store: Chroma server when CHROMA_HOST is set, else PersistentClient in data_dir
    chroma_host: str | None = Field(None, validation_alias=AliasChoices("CHROMA_HOST"))
    chroma_port: int = Field(8000, validation_alias=AliasChoices("CHROMA_PORT"))
    embeddings: Literal["local", "openai"] = Field("local", validation_alias=AliasChoices("QM_EMBEDDINGS"))
    embeddings_model: str = Field(
        "text-embedding-3-small", validation_alias=AliasChoices("QM_EMBEDDINGS_MODEL")
    )
    corpus_dir: Path | None = Field(None, validation_alias=AliasChoices("QM_CORPUS_DIR"))

    # governance
    policy_file: Path | None = Field(None, validation_alias=AliasChoices("QM_POLICY_FILE"))
    users_file: Path | None = Field(None, validation_alias=AliasChoices("QM_USERS_FILE"))

    # web server
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("QM_HOST"))
    port: int = Field(8000, validation_alias=AliasChoices("QM_PORT"))
    secret_key: str | None = Field(None, validation_alias=AliasChoices("QM_SECRET_KEY"))
    trusted_user_header: str | None = Field(None, validation_alias=AliasChoices("QM_TRUSTED_USER_HEADER"))
    public_url: str | None = Field(None, validation_alias=AliasChoices("QM_PUBLIC_URL"))

    # Slack: off unless a bot token and signing secret (HTTP) or an app token (Socket Mode) are set
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_approvals_channel: str | None = Field(
        None, validation_alias=AliasChoices("QM_SLACK_APPROVALS_CHANNEL")
    )
    slack_api_url: str | None = Field(None, validation_alias=AliasChoices("QM_SLACK_API_URL"))

    # procurement mailbox (read-only IMAP); off unless QM_MAIL_HOST is set
    mail_host: str | None = Field(None, validation_alias=AliasChoices("QM_MAIL_HOST"))
    mail_port: int | None = Field(None, validation_alias=AliasChoices("QM_MAIL_PORT"))
    mail_security: Literal["ssl", "starttls", "none"] = Field("ssl", validation_alias=AliasChoices("QM_MAIL_SECURITY"))
    mail_user: str | None = Field(None, validation_alias=AliasChoices("QM_MAIL_USER"))
    mail_password: str | None = Field(None, validation_alias=AliasChoices("QM_MAIL_PASSWORD"))
    mail_oauth2_token: str | None = Field(None, validation_alias=AliasChoices("QM_MAIL_OAUTH2_TOKEN"))
    mail_folders: str = Field("INBOX", validation_alias=AliasChoices("QM_MAIL_FOLDERS"))  # comma-separated
    mail_ca_file: str | None = Field(None, validation_alias=AliasChoices("QM_MAIL_CA_FILE"))

    @property
    def mail_enabled(self) -> bool:
        return bool(self.mail_host and self.mail_user)
    # alerts and digests (assistant/watch): the embedded scheduler thread, or Celery workers over a broker
    alerts_enabled: bool = Field(True, validation_alias=AliasChoices("QM_ALERTS"))
    alert_rules_file: Path | None = Field(None, validation_alias=AliasChoices("QM_ALERT_RULES_FILE"))
    broker_url: str | None = Field(None, validation_alias=AliasChoices("QM_BROKER_URL"))
    # scale-out: login throttles and the Slack replay guard in Redis, shared by every web replica
    shared_state_url: str | None = Field(None, validation_alias=AliasChoices("QM_SHARED_STATE_URL"))

    @cached_property
    def state_url(self) -> str:
        """The SQLAlchemy URL of the state store (SQLite in the data dir by default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'state.db').resolve()}"

    @property
    def uses_sandbox(self) -> bool:
        return not self.odoo_url

    @property
    def resolved_brain(self) -> Literal["offline", "llm"]:
        if self.brain != "auto":
            return self.brain
        return "llm" if (self.openai_api_key or self.openai_base_url) else "offline"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def resolved_policy_file(self) -> Path:
        return self.policy_file or PACKAGE_ROOT / "tools" / "governance" / "default_policy.yaml"

    @property
    def resolved_users_file(self) -> Path:
        """QM_USERS_FILE; else, on the embedded sandbox, the logins of the business it serves (each demo
        business has its own people: another business's demo logins must not work here)."""
        if self.users_file:
            return self.users_file
        if self.uses_sandbox and self.sandbox_business != "bluebonnet":
            return PACKAGE_ROOT / "sandbox" / f"seed_{self.sandbox_business}" / "users.yaml"
        return PACKAGE_ROOT / "tools" / "governance" / "default_users.yaml"

    @property
    def resolved_corpus_dir(self) -> Path:
        return self.corpus_dir or PACKAGE_ROOT / "knowledge" / "corpus"


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; keyword overrides win (tests and CLI flags use them)."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
