"""Find the Label Studio server and talk to it safely: which URL and key, retries, clear errors.

The server is found through LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (the SDK's own variable),
`--url` overriding; when they are unset, through what `talks annotate serve` recorded in its
data dir. Transient failures (connection refused or reset, 429, 5xx) are retried with
exponential backoff; a wrong key and a server that stays down raise errors that say what to do.
The key never appears in a message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from .server import default_data_dir, load_credentials, redact

T = TypeVar("T")
RETRIES = 5
BACKOFF_S = 0.5
TIMEOUT_S = 120.0


class AnnotateError(RuntimeError):
    """A `talks annotate` step that cannot go on; the message says why and what to do."""


class ServerUnavailable(AnnotateError):
    """The server did not answer (down, restarting, or not started)."""


class AuthenticationError(AnnotateError):
    """The server refused the API key."""


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r}, api_key={redact(self.api_key)})"


def resolve_connection(url: str | None = None, data_dir: Path | None = None) -> Connection:
    """The server to use: --url, then LABEL_STUDIO_URL, then the URL that `serve` recorded;
    the key from LABEL_STUDIO_API_KEY, else the token that `serve` recorded."""
    recorded = load_credentials(data_dir or default_data_dir())
    url = url or os.environ.get("LABEL_STUDIO_URL") or (recorded.url if recorded else None)
    key = os.environ.get("LABEL_STUDIO_API_KEY") or (recorded.token if recorded else None)
    if not url or not key:
        raise AnnotateError(
            "no Label Studio server to talk to: set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, "
            "or start one with `talks annotate serve` (its URL and token are then found in "
            f"{data_dir or default_data_dir()})"
        )
    return Connection(url.rstrip("/"), key)


def transient(exc: Exception) -> bool:
    """A failure worth retrying: no answer, a timeout, rate limiting or a server error.
    Other HTTP errors are raised at once with what the server said."""
    if isinstance(exc, httpx.TransportError):
        return True
    if not isinstance(exc, ApiError):
        return False
    if exc.status_code == 401:
        raise AuthenticationError(
            "Label Studio refused the API key (401): check LABEL_STUDIO_API_KEY, or the token "
            "recorded by `talks annotate serve`"
        ) from None
    if exc.status_code in (408, 429) or (exc.status_code or 0) >= 500:
        return True
    raise AnnotateError(
        f"Label Studio rejected the request: HTTP {exc.status_code} {str(exc.body)[:300]}"
    ) from None


def unavailable(what: str, failure: Exception, attempts: int) -> ServerUnavailable:
    return ServerUnavailable(
        f"Label Studio did not answer while trying to {what} ({type(failure).__name__}) after "
        f"{attempts} attempts; start it (`talks annotate serve`) and rerun: work already done "
        "is kept and not repeated"
    )


def backoff(attempt: int) -> None:
    time.sleep(BACKOFF_S * 2**attempt)


def call(what: str, request: Callable[[], T], retries: int = RETRIES) -> T:
    """Run one idempotent API request, retrying transient failures with exponential backoff."""
    for attempt in range(retries + 1):
        try:
            return request()
        except (ApiError, httpx.TransportError) as exc:
            if not transient(exc) or attempt == retries:
                failure = exc
                break
            backoff(attempt)
    raise unavailable(what, failure, retries + 1)


def connect(connection: Connection) -> LabelStudio:
    """An SDK client for the server, checked with one request (so a bad key fails early)."""
    client = LabelStudio(
        base_url=connection.url, api_key=connection.api_key, timeout=TIMEOUT_S, max_retries=0
    )
    call("check the connection", client.users.whoami)
    return client
