"""Settings from the environment (``DUIZHAO_*``), via pydantic-settings.

design.md "Command line": ``DUIZHAO_MODEL``, ``DUIZHAO_API_BASE``, ``DUIZHAO_MODELS_FILE``,
``DUIZHAO_DATABASE_URL``, ``DUIZHAO_API_TOKENS``; the providers' own key variables
(``DEEPSEEK_API_KEY``, ``OPENAI_API_KEY``, …) are read by the backend library itself.
Keys and tokens are :class:`~pydantic.SecretStr`: they never appear in ``repr``, logs
or error messages.

Importing this module sets litellm's offline flags (bundled price map, no fetch at
import) unless the environment already chose otherwise.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")


def _default_database_url() -> str:
    from platformdirs import user_data_dir

    return "sqlite:///" + str(Path(user_data_dir("duizhao", appauthor=False)) / "duizhao.db")


class Settings(BaseSettings):
    """Every knob of the service. Env: ``DUIZHAO_<FIELD>`` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="DUIZHAO_", extra="ignore", case_sensitive=False)

    # ---- backend ------------------------------------------------------------------
    model: str | None = Field(default=None, description="litellm model string, e.g. deepseek/deepseek-chat")
    api_base: str | None = Field(default=None, description="any OpenAI-compatible server (with openai/<model>)")
    api_key: SecretStr | None = Field(default=None, description="key for api_base; providers' own variables otherwise")
    models_file: Path | None = Field(default=None, description="YAML: model_list + router_settings (fallbacks)")
    num_retries: int = Field(default=2, ge=0, le=5)
    max_output_tokens: int = Field(default=4096, ge=256, le=32768)
    max_prompt_tokens: int = Field(default=24_000, ge=1000, description="our own cap, below any context window")
    default_context_window: int = Field(default=32_768, ge=4096, description="for models litellm does not know")
    max_concurrent_calls: int = Field(default=4, ge=1, le=64, description="per backend, in one process")

    # ---- deadlines (seconds) --------------------------------------------------------
    deadline_total: float = Field(default=300.0, gt=0, description="whole call, retries included")
    deadline_first_token: float = Field(default=90.0, gt=0, description="until the first content arrives")
    deadline_gap: float = Field(default=30.0, gt=0, description="between content chunks")
    attempt_timeout: float = Field(default=45.0, gt=0, description="one HTTP attempt, then retry/fallback")

    # ---- service --------------------------------------------------------------------
    database_url: str = Field(default_factory=_default_database_url)
    api_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    max_request_bytes: int = Field(default=1_048_576, ge=1024, description="1 MiB; larger bodies get 413")
    max_text_chars: int = Field(default=50_000, ge=1000)
    max_revision_rounds: int = Field(default=2, ge=0, le=2)
    # HTTP API (service/api): drafting admission and the models callers may name
    max_concurrent_drafts: int = Field(default=16, ge=1, le=1024, description="drafts running at once, per process")
    max_drafts_per_owner: int = Field(default=4, ge=1, le=1024, description="drafts running at once, per API token")
    draft_queue_seconds: float = Field(default=5.0, ge=0, le=300, description="wait for a free slot, then 503")
    api_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="DUIZHAO_API_MODELS: extra litellm models API callers may ask for")

    @field_validator("api_models", "api_tokens", mode="before")
    @classmethod
    def _split_list(cls, v: Any) -> Any:
        """``DUIZHAO_API_MODELS`` and ``DUIZHAO_API_TOKENS`` are comma-separated (or a JSON list)."""
        if isinstance(v, str):
            s = v.strip()
            if s.startswith("["):
                import json

                return json.loads(s)
            return [t.strip() for t in s.split(",") if t.strip()]
        return v


    @field_validator("model", "api_base", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @property
    def has_model(self) -> bool:
        return bool(self.model or self.models_file)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once). Tests build ``Settings(...)`` directly."""
    return Settings()
