from __future__ import annotations

import json
from pathlib import Path

import pytest
from istanbul_talks.dataset.build import build
from istanbul_talks.dataset.read import shipped_raw_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """One build of the shipped dumps, written to a throwaway folder."""
    out = tmp_path_factory.mktemp("seed_build")
    return build(shipped_raw_dir(), out), out


def expected_seed_records() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((FIXTURES / "seeds").glob("*.json"))
    }
