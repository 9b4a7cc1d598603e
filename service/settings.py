"""Configuration from ROASTNET_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Typed settings; every field can be set as ROASTNET_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ROASTNET_", extra="ignore")

    data_dir: Path = Path("var")
    admin_token: SecretStr | None = None
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_predict_readings: int = Field(10_000, ge=1)
    max_explain_readings: int = Field(1_000, ge=1)
    # seeds × samples × hidden units × steps: about 4 ns each here, so 2e9 stays near 10 s,
    # well inside the worker timeout.
    max_retrain_work: int = Field(2_000_000_000, ge=1)
    seed_on_start: bool = True
    log_level: str = "INFO"
