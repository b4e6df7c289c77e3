"""Settings: packaged defaults, overridden by environment variables, overridden by CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corroborate.errors import UsageError

DEFAULT_DB = "corroborate.db"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MIN_WORDS = 8


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = Path(DEFAULT_DB)
    max_bytes: int = DEFAULT_MAX_BYTES
    min_words: int = DEFAULT_MIN_WORDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls()
        if env.get("CORROBORATE_DB"):
            settings = replace(settings, db_path=Path(env["CORROBORATE_DB"]))
        if env.get("CORROBORATE_MAX_BYTES"):
            raw = env["CORROBORATE_MAX_BYTES"]
            if not raw.strip().isdigit() or int(raw) < 1:
                raise UsageError(f"CORROBORATE_MAX_BYTES={raw!r}: expected a positive number "
                                 "of bytes, e.g. 20000000")
            settings = replace(settings, max_bytes=int(raw))
        return settings

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
