"""Settings for one running platform, read from the environment (prefix HOTLINE_)."""

from __future__ import annotations

import secrets
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///hotline.db"


class Settings(BaseSettings):
    """Every setting of the platform; each field documents itself."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses unsafe defaults such as a random secret key"
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the store: sqlite:///FILE (default) or postgresql+psycopg://…",
    )
    secret_key: str = Field(
        "", description="key that signs access tokens; a random one per process when empty (development only)"
    )
    token_minutes: int = Field(720, ge=1, description="lifetime of an access token in minutes")
    timezone: str = Field(
        "Asia/Shanghai", description="the city's time zone; stored times are naive local times in it"
    )
    order_number_prefix: str = Field("GD", description="letters that start every work-order number")
    redis_url: str = Field(
        "", description="Redis URL (redis://host:6379/0) to share live events between server processes; empty: in-process"
    )
    argon2_time_cost: int = Field(3, ge=1, description="argon2 passes when hashing a password")
    models_dir: str = Field(
        "models", description="folder of the trained suggestion models (versioned files, reloaded when replaced)"
    )
    argon2_memory_kib: int = Field(65536, ge=8, description="argon2 memory per hash, KiB; tests may lower it")
    alert_webhook_url: str = Field(
        "", description="URL that receives each new early-warning alert as a JSON POST; empty for none"
    )
    alert_scan_seconds: float | None = Field(
        None, ge=0, description="how often the server scans new orders for early warnings (surges, emerging "
        "problems, hot spots, backlogs), stores and delivers the alerts; 0 turns it off; empty: every 60 s, "
        "off in the test environment",
    )
    incidents_request_max_orders: int = Field(
        50_000, ge=0, description="the server groups incidents in the background after each early-warning scan; "
        "before its first result (or for a past `at`), GET /api/v1/nlp/incidents groups them during the request "
        "only when the orders that reads (its 30 days and the year of history before them) are at most this many, "
        "and answers 503 otherwise",
    )
    analytics_enabled: bool = Field(True, description="keep the columnar analysis copy and serve /api/v1/analytics")
    analytics_path: str = Field(
        "", description="DuckDB file of the analysis copy (one server process owns it); ':memory:' keeps it in "
        "memory; empty: beside the SQLite store (FILE.analytics.duckdb), else hotline-analytics-DBNAME.duckdb in "
        "the working directory; in the test environment, in memory",
    )
    analytics_refresh_seconds: float = Field(
        1.0, gt=0, le=5, description="how often the analysis copy pulls the store's changes (figures lag by at most this)"
    )

    def analytics_file(self) -> str:
        """Where the analysis copy lives: the setting, or a default next to the store."""
        if self.analytics_path:
            return self.analytics_path
        if self.environment == "test" or self.database_url in ("sqlite://", "sqlite:///:memory:"):
            return ":memory:"  # tests run side by side, and a DuckDB file admits one process only
        if self.database_url.startswith("sqlite:///"):
            return self.database_url[len("sqlite:///"):] + ".analytics.duckdb"
        database = self.database_url.rsplit("/", 1)[-1].split("?")[0] or "hotline"
        return f"hotline-analytics-{database}.duckdb"

    def alert_scan_interval(self) -> float:
        """Seconds between the server's early-warning scans; 0 when it does not scan."""
        if self.alert_scan_seconds is not None:
            return self.alert_scan_seconds
        return 0.0 if self.environment == "test" else 60.0

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> "Settings":
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("HOTLINE_SECRET_KEY must be set in production")
            self.secret_key = secrets.token_urlsafe(32)
        if self.environment != "test" and self.argon2_memory_kib < 19456:
            raise ValueError("HOTLINE_ARGON2_MEMORY_KIB below 19456 is allowed only in the test environment")
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("HOTLINE_SECRET_KEY must be at least 32 characters in production")
        return self
