"""Annotator accounts on a local Label Studio server, able to log in and label as themselves.

Label Studio's API creates users without a usable password, so a real annotator account is made
in three steps: the admin creates the user, the server's own `reset_password` command (run
against the data dir, which works while the server runs) sets a password, and a login through
the sign-in form yields the annotator's own API token. Labels made with that token are the
annotator's own (`completed_by` is them, not the admin).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
from label_studio_sdk.client import LabelStudio

from .client import AnnotateError, call
from .server import Credentials, redact, server_environment, server_executable


@dataclass(frozen=True)
class Annotator:
    email: str
    user_id: int
    token: str

    def __repr__(self) -> str:
        return (
            f"Annotator(email={self.email!r}, user_id={self.user_id}, token={redact(self.token)})"
        )


def create_annotator(
    admin: LabelStudio,
    url: str,
    data_dir: Path,
    admin_credentials: Credentials,
    email: str,
    password: str,
) -> Annotator:
    """Create (or reuse) the user `email`, give it `password`, log in, return its API token."""
    existing = [u for u in call("list users", lambda: list(admin.users.list())) if u.email == email]
    if existing:
        user_id = existing[0].id
    else:
        user = call(
            "create a user",
            lambda: admin.users.create(email=email, username=email.split("@")[0]),
        )
        user_id = user.id
    result = subprocess.run(
        [
            str(server_executable(install=False)),
            "reset_password",
            "--data-dir",
            str(data_dir),
            "--username",
            email,
            "--password",
            password,
        ],
        env=server_environment(Path(data_dir), admin_credentials),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AnnotateError(f"could not set the password of {email}: {result.stderr[-300:]}")
    return Annotator(email, user_id, _login_token(url, email, password))


def _login_token(url: str, email: str, password: str) -> str:
    """Sign in through the login form (CSRF cookie and all) and read the user's API token."""
    with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as session:
        session.get("/user/login/")
        csrf = session.cookies.get("csrftoken", "")
        response = session.post(
            "/user/login/",
            data={"email": email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{url}/user/login/", "X-CSRFToken": csrf},
        )
        token = session.get("/api/current-user/token")
        if token.status_code != 200:
            raise AnnotateError(
                f"could not sign in as {email} (login answered {response.status_code}, "
                f"token request {token.status_code})"
            )
        return token.json()["token"]
