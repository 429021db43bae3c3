"""All configuration, read from environment variables in one place.

Every value has a default that works on a fresh clone (SQLite under ``data/``, local
Rasa ports, no Telegram token). Read settings with :func:`get_settings`; never read
``os.environ`` elsewhere in the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:  # a clear message instead of a traceback deep inside
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from exc


def _env_optional_int(name: str) -> int | None:
    raw = _env(name, "")
    return _env_int(name, 0) if raw else None


@dataclass(frozen=True)
class Settings:
    """The assistant's configuration; see README "Configuration" for each variable."""

    project_root: Path = PROJECT_ROOT
    data_dir: Path = field(default_factory=lambda: Path(_env("GRADBOT_DATA_DIR", str(PROJECT_ROOT / "data"))))
    policies_dir: Path = field(default_factory=lambda: Path(_env("GRADBOT_POLICIES_DIR", str(PROJECT_ROOT / "policies"))))
    models_dir: Path = field(default_factory=lambda: Path(_env("GRADBOT_MODELS_DIR", str(PROJECT_ROOT / "models"))))
    # real students' questions (training data): extra phrasings of their entries for the matcher
    student_questions_dir: Path = field(
        default_factory=lambda: Path(_env("GRADBOT_STUDENT_QUESTIONS_DIR", str(PROJECT_ROOT / "nlu_data" / "real"))))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005"))
    action_server_url: str = field(default_factory=lambda: _env("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"))
    rasa_urls_list: str = field(default_factory=lambda: _env("RASA_URLS", ""))
    rasa_servers: int = field(default_factory=lambda: _env_int("RASA_SERVERS", 1))
    action_servers: int = field(default_factory=lambda: _env_int("ACTION_SERVERS", 1))
    lock_store_url: str = field(default_factory=lambda: _env("LOCK_STORE_URL", ""))
    rasa_lock_lifetime_s: int = field(default_factory=lambda: _env_int("RASA_LOCK_LIFETIME_SECONDS", 10))
    rasa_listen: str = field(default_factory=lambda: _env("RASA_LISTEN", "127.0.0.1"))
    action_server_listen: str = field(default_factory=lambda: _env("ACTION_SERVER_LISTEN", "127.0.0.1"))
    rasa_api_token: str = field(default_factory=lambda: _env("RASA_API_TOKEN", ""))
    action_server_token: str = field(default_factory=lambda: _env("ACTION_SERVER_TOKEN", ""))
    tracker_store_url: str = field(default_factory=lambda: _env("RASA_TRACKER_STORE_URL", ""))
    rasa_timeout_s: float = field(default_factory=lambda: _env_float("RASA_TIMEOUT_SECONDS", 5.0))
    telegram_token: str = field(default_factory=lambda: _env("TELEGRAM_BOT_TOKEN", ""))
    telegram_api_base_url: str = field(default_factory=lambda: _env("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"))
    telegram_bot_username: str = field(default_factory=lambda: _env("TELEGRAM_BOT_USERNAME", "xjtu_career_bot"))
    telegram_webhook_url: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_URL", ""))
    telegram_webhook_listen: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"))
    telegram_webhook_port: int = field(default_factory=lambda: _env_int("TELEGRAM_WEBHOOK_PORT", 8443))
    telegram_webhook_secret: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_SECRET", ""))
    telegram_staff_chat_id: int | None = field(default_factory=lambda: _env_optional_int("TELEGRAM_STAFF_CHAT_ID"))
    kb_reload_interval_s: float = field(default_factory=lambda: _env_float("KB_RELOAD_SECONDS", 2.0))
    bind_code_ttl_hours: int = field(default_factory=lambda: _env_int("BIND_CODE_TTL_HOURS", 24))
    conversation_retention_days: int = field(default_factory=lambda: _env_int("CONVERSATION_RETENTION_DAYS", 180))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO"))
    campaigns_dir: Path = field(default_factory=lambda: Path(_env("GRADBOT_CAMPAIGNS_DIR", str(PROJECT_ROOT / "policies" / "campaigns"))))
    campaign_quiet_hours: str = field(default_factory=lambda: _env("CAMPAIGN_QUIET_HOURS", "22:00-08:00"))
    campaign_rate_per_s: float = field(default_factory=lambda: _env_float("CAMPAIGN_RATE_PER_SECOND", 20.0))

    @property
    def secrets_dir(self) -> Path:
        """Where generated service secrets live (mode 0700, files 0600)."""
        return self.data_dir / "secrets"

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """The Rasa servers the bot spreads students over: ``RASA_URLS`` (comma-separated), or
        ``RASA_SERVERS`` servers on consecutive ports from the port of ``RASA_URL``."""
        if self.rasa_urls_list:
            urls = tuple(u.strip().rstrip("/") for u in self.rasa_urls_list.split(",") if u.strip())
            bad = [u for u in urls if urlparse(u).scheme not in ("http", "https") or not urlparse(u).hostname]
            if bad or not urls:
                raise ValueError(f"RASA_URLS must be comma-separated http(s) URLs, got {self.rasa_urls_list!r}")
            return urls
        return consecutive_urls(self.rasa_url, max(1, self.rasa_servers), 5005)

    @property
    def effective_database_url(self) -> str:
        """``DATABASE_URL`` or the default SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gradbot.db'}"


def consecutive_urls(url: str, count: int, default_port: int) -> tuple[str, ...]:
    """``url`` and the ``count - 1`` URLs after it on the next ports (same scheme, host and path)."""
    parsed = urlparse(url.rstrip("/"))
    port = parsed.port or default_port
    host = parsed.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return tuple(parsed._replace(netloc=f"{host}:{port + i}").geturl() for i in range(count))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
