"""Who may do what: the session key, login throttling and CSRF tokens.

Sessions are signed cookies (Starlette's ``SessionMiddleware``: ``HttpOnly``, ``SameSite``) holding the user
name and the session's CSRF token; every form and every save sends the token back.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.web.accounts import workbench_dir

#: Failed logins (per name and address) allowed before the next attempt has to wait ...
FREE_ATTEMPTS = 5
#: ... first this long, doubling with each further failure, up to ...
FIRST_WAIT_S = 30.0
#: ... this long; failures older than the window are forgotten.
MAX_WAIT_S = 900.0
WINDOW_S = 900.0


def session_secret(store: Path) -> str:
    """The key that signs session cookies: made once per store, readable by the service alone."""
    path = workbench_dir(store) / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(session: dict) -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and secrets.compare_digest(expected, sent))


@dataclass
class LoginThrottle:
    """Slows down password guessing: after ``FREE_ATTEMPTS`` failures a name (from an address) must wait,
    longer after each further failure. Kept in memory: a restart forgives, which is acceptable for a tool
    on an archive's own network."""

    failures: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self.failures.get(key, []) if now - t < WINDOW_S]
        self.failures[key] = times
        return times

    def wait_s(self, name: str, address: str, now: float | None = None) -> float:
        """Seconds before this name may try again from this address (0: now)."""
        now = time.time() if now is None else now
        times = self._recent((name, address), now)
        if len(times) < FREE_ATTEMPTS:
            return 0.0
        wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (len(times) - FREE_ATTEMPTS))
        return max(0.0, times[-1] + wait - now)

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self._recent((name, address), now).append(now)

    def succeeded(self, name: str, address: str) -> None:
        self.failures.pop((name, address), None)
