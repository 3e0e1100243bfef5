"""Run the real Label Studio server for the annotation lead, on loopback, with a SQLite data dir.

The server lives in a virtual environment of its own, which this module creates on first use
(`label-studio` pins its own Django, pyarrow and SDK versions, which must not constrain the
package's environment). `serve` starts it bound to 127.0.0.1 with telemetry, update checks and
open sign-up off, creates the admin account and its API token (from the environment, or
generated and stored in the data dir, readable by the owner only), waits until it answers, and
records its URL so that the other `talks annotate` commands find it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from istanbul_talks.dataset.outputs import write_whole
from istanbul_talks.dataset.read import shown_path

SERVER_VERSION = "1.23.2"
SERVER_VENV_ENV = "TALKS_LABEL_STUDIO_VENV"
DATA_DIR_ENV = "TALKS_LABEL_STUDIO_DATA"
CREDENTIALS_FILE = "istanbul-talks-server.json"
DEFAULT_PORT = 8080
DEFAULT_ADMIN = "admin@istanbul-talks.local"
START_TIMEOUT_S = 180.0  # the first start on an empty data dir runs migrations (about a minute)
# Label Studio reads these bare names too; inherited from a shell they would change its setup.
_BARE_NAMES = ("USERNAME", "PASSWORD", "HOST", "PORT", "USER_TOKEN")


class ServerError(RuntimeError):
    """The Label Studio server could not be installed, started or reached."""


@dataclass(frozen=True)
class Credentials:
    """The admin account and API token of one data dir. Never printed in full."""

    username: str
    password: str
    token: str
    url: str | None = None

    def __repr__(self) -> str:
        return (
            f"Credentials(username={self.username!r}, token={redact(self.token)}, url={self.url!r})"
        )


def redact(secret: str) -> str:
    """A secret as it may appear in messages: its first four characters only."""
    return f"{secret[:4]}…" if secret else "(none)"


def _data_home() -> Path:
    return (
        Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "istanbul-talks"
    )


def default_data_dir() -> Path:
    """Where `serve` keeps the server's database, unless $TALKS_LABEL_STUDIO_DATA says."""
    return Path(os.environ.get(DATA_DIR_ENV) or _data_home() / "label-studio")


def server_venv() -> Path:
    return Path(os.environ.get(SERVER_VENV_ENV) or _data_home() / f"label-studio-{SERVER_VERSION}")


def server_executable(install: bool = True) -> Path:
    """The `label-studio` command of the managed server venv, installed there if missing."""
    venv = server_venv()
    executable = venv / "bin" / "label-studio"
    if executable.exists():
        return executable
    if not install:
        raise ServerError(f"Label Studio is not installed in {venv}; run `talks annotate serve`")
    print(
        f"Installing label-studio {SERVER_VERSION} into {venv} (once; a few minutes)…",
        file=sys.stderr,
    )
    log = venv.parent / f"{venv.name}-install.log"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        for step in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "--upgrade", "pip"],
            [str(venv / "bin" / "pip"), "install", f"label-studio=={SERVER_VERSION}"],
        ):
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise ServerError(
                    f"installing Label Studio failed at `{' '.join(step)}`; see {log}"
                )
    return executable


def credentials_path(data_dir: Path) -> Path:
    return Path(data_dir) / CREDENTIALS_FILE


def load_credentials(data_dir: Path) -> Credentials | None:
    path = credentials_path(data_dir)
    if not path.exists():
        return None
    try:
        return Credentials(**json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise ServerError(
            f"{path}: not the server's credentials as `talks annotate serve` writes them "
            f"({exc}); restore it, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY"
        ) from exc


def _store_credentials(data_dir: Path, credentials: Credentials) -> None:
    """Write the credentials file readable and writable by the owner only, whole: cut off by
    a full disk, it would have lost the admin account of a server that holds labels."""
    path = credentials_path(data_dir)
    text = json.dumps(credentials.__dict__, indent=1, sort_keys=True)
    label = f"Label Studio data dir {shown_path(path.parent)}"
    write_whole(path, text.encode("utf-8"), private=True, label=label)


def admin_credentials(data_dir: Path) -> Credentials:
    """The admin account: LABEL_STUDIO_USERNAME / _PASSWORD / _API_KEY when set, else what this
    data dir already uses, else new random ones. The token is 40 hex characters."""
    stored = load_credentials(data_dir)
    username = (
        os.environ.get("LABEL_STUDIO_USERNAME") or (stored and stored.username) or DEFAULT_ADMIN
    )
    password = (
        os.environ.get("LABEL_STUDIO_PASSWORD")
        or (stored and stored.password)
        or secrets.token_urlsafe(18)
    )
    token = (
        os.environ.get("LABEL_STUDIO_API_KEY") or (stored and stored.token) or secrets.token_hex(20)
    )
    return Credentials(username, password, token, stored.url if stored else None)


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port (connections of a server that just
    stopped, in TIME_WAIT, do not count: servers bind with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(data_dir: Path, credentials: Credentials) -> dict[str, str]:
    """The server's environment: loopback only, no telemetry, no update check, no open sign-up,
    legacy API tokens on (read when the organisation is first created), credentials passed in
    the environment rather than on the command line (where `ps` would show them)."""
    env = {k: v for k, v in os.environ.items() if k not in _BARE_NAMES}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LABEL_STUDIO_USERNAME=credentials.username,
        LABEL_STUDIO_PASSWORD=credentials.password,
        LABEL_STUDIO_USER_TOKEN=credentials.token,
    )
    return env


class Server:
    """One running `label-studio` process; a context manager that stops it on exit."""

    def __init__(self, data_dir: Path, port: int = DEFAULT_PORT) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.credentials = admin_credentials(self.data_dir)
        self.log_path = self.data_dir / "server.log"

    def start(self, timeout: float = START_TIMEOUT_S) -> Server:
        if not port_is_free(self.port):
            # Label Studio would silently move to the next port; refuse instead.
            raise ServerError(
                f"port {self.port} on 127.0.0.1 is already in use; pick another with --port"
            )
        executable = server_executable()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        # Stored before the first start creates the account, so a failed start cannot leave a
        # data dir whose token nobody knows.
        _store_credentials(self.data_dir, self.credentials)
        command = [
            str(executable),
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--host",
            self.url,
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--enable-legacy-api-token",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            env=server_environment(self.data_dir, self.credentials),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal reaches us; we stop it in order
        )
        log.close()
        self._wait_until_up(timeout)
        self.credentials = Credentials(
            self.credentials.username, self.credentials.password, self.credentials.token, self.url
        )
        _store_credentials(self.data_dir, self.credentials)
        return self

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"label-studio exited with code {self.process.returncode} while starting; "
                    f"see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise ServerError(
            f"label-studio did not answer on {self.url} within {timeout:.0f} s; see {self.log_path}"
        )

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL), as a crash or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Server:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(data_dir: Path, port: int = DEFAULT_PORT) -> None:
    """Start the server, print where it is, and keep it running until Ctrl-C (or SIGTERM)."""
    server = Server(data_dir, port)
    signal.signal(signal.SIGTERM, _interrupt)
    try:  # Ctrl-C at any point, even while it starts, stops the server before returning
        server.start()
        where = credentials_path(server.data_dir)
        print(f"Label Studio is up at {server.url}", flush=True)
        print(f"  admin: {server.credentials.username}; password and API token in {where}")
        print("  other `talks annotate` commands find it from there. Ctrl-C stops it.", flush=True)
        while server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
        raise ServerError(f"label-studio stopped unexpectedly; see {server.log_path}")
    except KeyboardInterrupt:
        print("Stopping Label Studio…", flush=True)
    finally:
        server.stop()
