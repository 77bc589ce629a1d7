"""Backups of the PostgreSQL database with pg_dump and pg_restore.

The tools get a libpq URL without the password and the password through
PGPASSWORD in their environment, so it never shows in the process list.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# Only files with exactly this name are backups: retention never touches others.
BACKUP_NAME = re.compile(r"^tailtribe-\d{8}T\d{6}Z\.dump$")
# Query parameters the app's drivers (or PgBouncer) read and libpq would refuse.
DRIVER_ONLY_PARAMS = frozenset({"pgbouncer", "prepared_statement_cache_size"})


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why."""


@dataclass(frozen=True, slots=True)
class PgTarget:
    url: str  # libpq URL, without the password
    env: dict[str, str]  # the child's environment, with PGPASSWORD when there is one


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    removed: tuple[Path, ...]


def pg_target(database_url: str) -> PgTarget:
    """Turn the app's SQLAlchemy URL (postgresql+asyncpg://...) into what libpq takes."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"{url.get_backend_name()} is not a PostgreSQL database")
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in url.query.items():
        if key in DRIVER_ONLY_PARAMS:
            continue
        # asyncpg spells libpq's sslmode as ssl.
        query["sslmode" if key == "ssl" else key] = value
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # Built anew: URL.set(password=None) would keep the password.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=query,
    )
    return PgTarget(plain.render_as_string(hide_password=False), env)


def _run(command: Sequence[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603  (fixed programs, arguments built here)
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} not found: install the PostgreSQL client tools "
            "(the server's major version or newer)"
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(directory: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest `keep` backups; names sort by their UTC time."""
    dated = sorted(p for p in directory.iterdir() if BACKUP_NAME.match(p.name) and p.is_file())
    old = tuple(dated[:-keep])
    for path in old:
        path.unlink()
    return old


def backup(
    database_url: str, directory: Path, *, keep: int = 30, now: datetime | None = None
) -> BackupResult:
    """Dump the database (custom format) to a timestamped file, then apply retention."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    target = pg_target(database_url)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"tailtribe-{stamp}.dump"
    # pg_dump writes under a name retention ignores; only a complete file, flushed
    # to disk, is renamed into place, so a crash never leaves a half backup.
    partial = directory / f".{final.name}.partial"
    try:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-password",  # fail rather than wait for a prompt
                f"--file={partial}",
                f"--dbname={target.url}",
            ],
            target.env,
        )
        _fsync(partial)
        os.replace(partial, final)
        _fsync(directory)  # makes the rename itself durable
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(final, prune(directory, keep))


def restore(database_url: str, file: Path) -> None:
    """Replace the database's objects and rows with the backup's, all or nothing."""
    target = pg_target(database_url)
    if not file.is_file():
        raise BackupError(f"{file} is not a file")
    # Extensions are the admin's (docs/db-roles.sql creates them), not the
    # owner's: dropping one (--clean) would fail for the owner role. So they
    # are left out of the restore and only made when missing (an empty
    # database restored by a superuser).
    with tempfile.TemporaryDirectory() as scratch:
        contents = Path(scratch) / "contents"
        _run(["pg_restore", "--list", f"--file={contents}", str(file)], target.env)
        lines = contents.read_text().splitlines()
        extensions = [
            line.split()[-1] for line in lines if " EXTENSION - " in line and "COMMENT" not in line
        ]
        for name in extensions:
            sql = f'CREATE EXTENSION IF NOT EXISTS "{name}"'
            _run(
                ["psql", "--no-password", "--quiet", f"--dbname={target.url}", "-c", sql],
                target.env,
            )
        contents.write_text("\n".join(line for line in lines if " EXTENSION " not in line) + "\n")
        _restore(target, file, contents)


def _restore(target: PgTarget, file: Path, contents: Path) -> None:
    _run(
        [
            "pg_restore",
            f"--use-list={contents}",
            # Drop what the backup holds before recreating it, in one transaction
            # (which also stops at the first error): a failed restore changes nothing.
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",  # the objects belong to whoever restores them
            "--no-password",
            f"--dbname={target.url}",
            str(file),
        ],
        target.env,
    )
