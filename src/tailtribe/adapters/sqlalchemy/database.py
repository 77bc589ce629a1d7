"""Engine, session factory and migrations (advanced-alchemy, Alembic)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.config import AlembicAsyncConfig, AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.config.engine import EngineConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from tailtribe.adapters.sqlalchemy import tables  # noqa: F401  (registers the tables)
from tailtribe.config import SSL_MODES  # libpq's, checked at start-up too

VERSION_TABLE = "alembic_version"

# Behind a PgBouncer in transaction mode (`?pgbouncer=true`) each transaction,
# and each statement outside one, may run on another server connection, so no
# prepared statement may outlive its round trip. With both caches off asyncpg
# (0.29 and later) uses the unnamed statement and sends its Parse again with
# Bind, Execute and Sync: one batch, one server connection, nothing left behind.
# Not SQLAlchemy's recipe of a fresh name per statement: those are prepared in
# one round trip and run in the next, which PgBouncer 1.18 may send to another
# server outside a transaction (the read-only units of work run in autocommit),
# and their Close reaches whichever server comes next, so they pile up.
PGBOUNCER_CONNECT_ARGS: dict[str, Any] = {
    "statement_cache_size": 0,  # asyncpg's own cache
    "prepared_statement_cache_size": 0,  # SQLAlchemy's, in its asyncpg adapter
}


def migrations_dir() -> Path:
    """Migrations ship inside the wheel; in a checkout they live at the top."""
    packaged = Path(__file__).resolve().parents[2] / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "migrations"


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Every transaction takes the write lock up front: SQLite's writers are
    # serialized, so read-then-write rules (capacity, single-use tokens) hold.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _one(name: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        raise ValueError(f"{name} is given {len(value)} times in the database URL")
    return value


def _ssl(mode: str, rootcert: str | None) -> str | bool | ssl.SSLContext:
    """asyncpg's `ssl` argument for libpq's sslmode and sslrootcert."""
    if mode not in SSL_MODES:
        raise ValueError(f"sslmode={mode!r}: expected one of {', '.join(SSL_MODES)}")
    if rootcert == "system" and mode != "verify-full":
        raise ValueError("sslrootcert=system needs sslmode=verify-full, as in libpq")
    if mode == "disable":
        return False
    if rootcert is None or mode in ("allow", "prefer"):
        # asyncpg implements the libpq modes itself: the plain-text fallback of
        # allow and prefer, PGSSLROOTCERT and ~/.postgresql/root.crt included.
        return mode
    context = ssl.create_default_context(cafile=None if rootcert == "system" else rootcert)
    # As libpq: given a root certificate, require checks the chain like verify-ca.
    context.check_hostname = mode == "verify-full"
    return context


def driver_options(url: str) -> tuple[str, dict[str, Any]]:
    """Split a PostgreSQL URL's libpq-style options off into asyncpg connect arguments.

    `pgbouncer=true` (the spelling Supabase and Prisma use) marks a PgBouncer
    in transaction mode; `sslmode` (libpq's names, default: asyncpg's, which is
    libpq's prefer) and `sslrootcert` (a file, or `system`) become asyncpg's
    `ssl`. asyncpg would refuse all three as unknown keywords; other query
    parameters go through as they are.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url, {}
    query = parsed.query
    connect_args: dict[str, Any] = {}
    pgbouncer = _one("pgbouncer", query.get("pgbouncer", "false")).lower()
    if pgbouncer not in ("true", "false"):
        raise ValueError(f"pgbouncer={pgbouncer!r}: expected true or false")
    if pgbouncer == "true":
        connect_args.update(PGBOUNCER_CONNECT_ARGS)
    rootcert = _one("sslrootcert", query["sslrootcert"]) if "sslrootcert" in query else None
    mode = _one("sslmode", query["sslmode"]) if "sslmode" in query else None
    if mode is None and rootcert == "system":
        mode = "verify-full"  # libpq's default for the system's certificates
    if mode is not None:
        connect_args["ssl"] = _ssl(mode, rootcert)
    options = [name for name in ("pgbouncer", "sslmode", "sslrootcert") if name in query]
    if not options:
        return url, connect_args
    plain = parsed.difference_update_query(options)
    return plain.render_as_string(hide_password=False), connect_args


# Connections per process. No overflow: SQLAlchemy closes an overflow
# connection as soon as it is returned, so under steady load above the pool's
# size every few requests paid for a fresh connection (TLS handshake and
# authentication) and closed it again. A request that finds every connection
# busy waits for one instead, at most `pool_timeout` seconds.
POOL_SIZE = 20
MAX_OVERFLOW = 0
POOL_TIMEOUT_SECONDS = 10


def make_db_config(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    pool_timeout: int = POOL_TIMEOUT_SECONDS,
) -> SQLAlchemyAsyncConfig:
    """The engine and sessions for `url`, libpq-style options included (driver_options)."""
    url, connect_args = driver_options(url)
    sqlite = url.startswith("sqlite")
    if sqlite:
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    # No pre-ping: on asyncpg it costs three round trips (BEGIN, a no-op,
    # ROLLBACK) on every checkout. A connection the server dropped fails its
    # first statement instead; SQLAlchemy then invalidates the whole pool, so
    # only requests already in flight see the restart. Recycling bounds how
    # long an idle connection lives behind a proxy or load balancer.
    # hide_parameters: a failed statement's error (logged, sent to Sentry) names
    # the statement, never its values (emails, password hashes, tokens' digests).
    engine_config = (
        EngineConfig(hide_parameters=True)
        if sqlite
        else EngineConfig(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=1800,
            connect_args=connect_args,
            hide_parameters=True,
        )
    )
    config = SQLAlchemyAsyncConfig(
        connection_string=url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False, autoflush=False),
        alembic_config=AlembicAsyncConfig(
            script_location=str(migrations_dir()),
            version_table_name=VERSION_TABLE,
            render_as_batch=True,
        ),
        # Migrations own the schema; the app never creates tables itself.
        create_all=False,
    )
    if sqlite:
        engine = config.get_engine().sync_engine
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking: Alembic runs its own event loop)."""
    config = make_db_config(url)
    AlembicCommands(sqlalchemy_config=config).upgrade(revision)


def downgrade(url: str, revision: str) -> None:
    config = make_db_config(url)
    AlembicCommands(sqlalchemy_config=config).downgrade(revision)
