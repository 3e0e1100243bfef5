from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from istanbul_talks.dataset.build import build
from istanbul_talks.dataset.read import shipped_raw_dir

FIXTURES = Path(__file__).parent / "fixtures"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_benchmark_module(relative: str):
    """Import a script from benchmarks/ (not an installed package) by its path."""
    path = BENCHMARKS / relative
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


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


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A real Label Studio server on 127.0.0.1 with a throwaway data dir, for the whole session
    (its first start runs migrations for about a minute). Installs it into its own venv if
    missing."""
    from istanbul_talks.annotation.server import Server, free_port

    with Server(tmp_path_factory.mktemp("label-studio-data"), free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def admin(label_studio):
    from istanbul_talks.annotation.client import Connection, connect

    return connect(Connection(label_studio.url, label_studio.credentials.token))
