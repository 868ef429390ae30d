"""Consistent backups and restores of the kit's database, while the app runs."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import DomainError


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DomainError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432)]
    if u.username:
        args += ["-U", u.username]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return args + ["-d", u.database or "postgres"], env


def backup_database(url: str, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (SQLite backup API or pg_dump)."""
    import os
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)  # an online, page-by-page consistent snapshot
        finally:
            dest.close()
            source.close()
        return target
    if url.startswith("postgresql"):
        if not shutil.which("pg_dump"):
            raise DomainError("pg_dump is not installed (Debian: postgresql-client).")
        args, env = _pg_args(url)
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "-f", str(target), *args],
                       check=True, env={**os.environ, **env})
        return target
    raise DomainError(f"Backups are supported for SQLite and PostgreSQL, not {url.split(':')[0]}.")


def restore_database(url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by ``backup_database``."""
    import os
    source = Path(source)
    if not source.is_file():
        raise DomainError(f"No backup file at {source}.")
    if url.startswith("sqlite"):
        backup = sqlite3.connect(source)
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            with dest:
                backup.backup(dest)
        finally:
            dest.close()
            backup.close()
        return
    if url.startswith("postgresql"):
        args, env = _pg_args(url)
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                        "--single-transaction", *args, str(source)],
                       check=True, env={**os.environ, **env})
        return
    raise DomainError("Restores are supported for SQLite and PostgreSQL.")
