from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
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


def talks_with_files_limited_to(n_bytes: int, *args: str) -> subprocess.CompletedProcess:
    """Run `talks ARGS` in a process the system lets write no file past n_bytes: a write past
    it fails as on a full disk (EFBIG instead of ENOSPC), in whatever library makes it, with no
    small file system to mount (which needs root)."""
    return subprocess.run(
        [sys.executable, "-c", "from istanbul_talks.dataset.cli import app; app()", *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: _limit_file_size(n_bytes, hard=n_bytes),
        env={**os.environ, "COLUMNS": "300"},  # messages on one line
    )


def _limit_file_size(n_bytes: int, hard: int):
    """Returns the SIGXFSZ handler it replaced: with it ignored, the write fails instead of
    the process."""
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, hard))
    return handler


@contextlib.contextmanager
def files_limited_to(n_bytes: int) -> Iterator[None]:
    """In this process, for the block, no file may grow past n_bytes: the in-process form of
    `talks_with_files_limited_to`, for code that no command reaches without a server."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = _limit_file_size(n_bytes, hard)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def read_as_windows_1252(text: str) -> str:
    """What a program reading UTF-8 as Windows-1252 shows (mojibake: "’" as "â€™"): the five
    bytes that code page leaves undefined (the 0x9D ending "”") as the C1 controls of those
    numbers, as browsers do."""
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in text.encode())


def files_and_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


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
