"""Fixtures shared by every test folder, and the Hypothesis profiles: under CI (``CI`` set) the
``ci`` profile — no deadline, derandomised (the same examples every run), a bounded number of
examples, no example database; elsewhere ``dev``, random with no deadline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.settings import Settings

hypothesis_settings.register_profile(
    "ci", deadline=None, derandomize=True, max_examples=100, database=None
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No rrm setting in the environment, and a fresh working directory (no stray .env)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
