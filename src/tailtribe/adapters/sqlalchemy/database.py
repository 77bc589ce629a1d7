"""Engine, session factory and migrations (advanced-alchemy, Alembic)."""

from __future__ import annotations

from pathlib import Path

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.config import AlembicAsyncConfig, AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.config.engine import EngineConfig
from sqlalchemy import Connection, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from tailtribe.adapters.sqlalchemy import tables  # noqa: F401  (registers the tables)

VERSION_TABLE = "alembic_version"


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


def make_db_config(url: str, *, pool_size: int = 10) -> SQLAlchemyAsyncConfig:
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
    engine_config = (
        EngineConfig() if sqlite else EngineConfig(pool_size=pool_size, pool_recycle=1800)
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
