"""Workbench accounts: a name, a role and an Argon2 password hash per user, in ``STORE/.workbench/users.json``.

Admins upload and delete batches; reviewers read and correct. Names are ASCII name characters, because they
become the ``xml:id`` a correction's ``@resp`` points to in the TEI.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tasks.tei import PERSON_NAME
from wenyuan.io import atomic_write_text, exclusive_lock

ROLES = ("reviewer", "admin")
USER_NAME = PERSON_NAME
#: The pipeline's own name in the edition's revision history.
RESERVED = {"wenyuan", "unknown"}
MIN_PASSWORD = 8
_HASHER = PasswordHasher()
#: Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def workbench_dir(store: Path) -> Path:
    """The workbench's own files in a store (accounts, session key, audit log, uploaded batches)."""
    return Path(store) / ".workbench"


class Accounts:
    def __init__(self, store: Path):
        self.path = workbench_dir(store) / "users.json"

    def _read(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def add(self, name: str, password: str, role: str, replace: bool = False) -> User:
        """Create (or with ``replace``, reset) a user; raises ValueError naming what is wrong."""
        if not USER_NAME.match(name):
            raise ValueError(f"{name!r}: a user name is a letter then up to 31 letters, digits, '.', '_' or '-'")
        if name in RESERVED:
            raise ValueError(f"{name!r} is reserved (the edition's history uses it)")
        if role not in ROLES:
            raise ValueError(f"{role!r}: the role is one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.path.with_suffix(".lock")):
            users = self._read()
            if name in users and not replace:
                raise ValueError(f"{name!r} exists already (give --replace to reset the password and role)")
            users[name] = {"role": role, "hash": _HASHER.hash(password)}
            atomic_write_text(self.path, json.dumps(users, indent=1))
            os.chmod(self.path, 0o600)  # password hashes: readable by the service alone
        return User(name, role)

    def get(self, name: str) -> User | None:
        entry = self._read().get(name)
        return User(name, entry["role"]) if entry else None

    def all(self) -> list[User]:
        return [User(name, e["role"]) for name, e in sorted(self._read().items())]

    def verify(self, name: str, password: str) -> User | None:
        """The user, when ``password`` is theirs; None otherwise (unknown names take as long to refuse)."""
        entry = self._read().get(name)
        try:
            _HASHER.verify(entry["hash"] if entry else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return User(name, entry["role"]) if entry else None
