"""The `tailtribe` command, configured by the same environment as the server."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tailtribe.config import DATABASE_FILE, DEFAULT_DATA_DIR, ConfigError, Settings

if TYPE_CHECKING:
    from dishka import AsyncContainer

    from tailtribe.domain.model.users import User

APP_FACTORY = "tailtribe.entrypoints.http.app:create_app"
# Where `tailtribe demo` keeps its database, emails and photos (relative to the
# working directory, the repository's root for scripts/demo.sh).
DEMO_DATA_DIR = DEFAULT_DATA_DIR / "demo"
T = TypeVar("T")


def _serve(host: str, port: int, workers: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        APP_FACTORY,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=False,
    ).serve()


def _upgrade(settings: Settings) -> None:
    from tailtribe.adapters.sqlalchemy.database import upgrade

    # Migrations go to the database itself, never through a transaction pooler.
    upgrade(settings.direct_url)


def cmd_serve(args: argparse.Namespace) -> int:
    Settings.from_env()  # refuse a bad configuration before spawning workers
    _serve(args.host, args.port, args.workers)
    return 0


async def _with_container(settings: Settings, work: Callable[[AsyncContainer], Awaitable[T]]) -> T:
    from tailtribe.ioc import make_container

    container = make_container(settings)
    try:
        return await work(container)
    finally:
        await container.close()


def demo_environment(env: MutableMapping[str, str], host: str, port: int) -> None:
    """Embedded mode: whatever the shell has, the demo runs on its own SQLite
    file, emails in a folder, and links in its emails lead to the port it serves on."""
    for name in ("DATABASE_URL", "DIRECT_URL", "REDIS_URL", "STRIPE_SECRET_KEY", "RESEND_API_KEY"):
        env.pop(name, None)
    env.setdefault("TAILTRIBE_DATA_DIR", str(DEMO_DATA_DIR))
    if not (env.get("APP_URL") or env.get("NEXT_PUBLIC_APP_URL")):
        # A wildcard address is where the server listens, not where a browser goes.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        env["APP_URL"] = f"http://{shown}:{port}"


def cmd_demo(args: argparse.Namespace) -> int:
    from tailtribe.entrypoints.demo import load_demo_data

    # The environment, not a Settings object, reaches granian's worker process.
    demo_environment(os.environ, args.host, args.port)
    settings = Settings.from_env()
    _upgrade(settings)
    summary = asyncio.run(_with_container(settings, load_demo_data))
    print(f"demo data: {summary}")
    print(f"serving on http://{args.host}:{args.port} (API docs: /schema)")
    print(f"emails are written as .eml files to {settings.email_dir}")
    _serve(args.host, args.port, 1)
    return 0


class NoDatabase(Exception):
    """A reading command found no database to read."""


def existing_data_settings(env: Mapping[str, str]) -> Settings:
    """The settings of a command that only reads: with no DATABASE_URL, the
    embedded database TAILTRIBE_DATA_DIR names, else the server's default, else
    the demo's. Never a new, empty one (nor its secret key file)."""
    url = env.get("DATABASE_URL", "").strip()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise NoDatabase(f"no database at {url.removeprefix('sqlite:///')} (DATABASE_URL)")
    if url:
        return Settings.from_env(env)
    named = env.get("TAILTRIBE_DATA_DIR", "").strip()
    folders = [Path(named)] if named else [DEFAULT_DATA_DIR, DEMO_DATA_DIR]
    for folder in folders:
        if (folder / DATABASE_FILE).is_file():
            return Settings.from_env({**env, "TAILTRIBE_DATA_DIR": str(folder)})
    where = " or ".join(str(folder / DATABASE_FILE) for folder in folders)
    raise NoDatabase(
        f"no database at {where}: set DATABASE_URL (PostgreSQL), or TAILTRIBE_DATA_DIR "
        f"to an embedded one's folder, or start `tailtribe demo` once in this directory"
    )


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    _upgrade(settings)
    print("database is at the latest migration")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.services.accounts.create_admin import CreateAdmin, PasswordRequired

    settings = Settings.from_env()
    password = os.environ.get("TAILTRIBE_ADMIN_PASSWORD") or None

    async def work(container: AsyncContainer) -> tuple[object, bool]:
        async with container() as scope:
            create = await scope.get(CreateAdmin)
            try:
                user, created = await create(args.email, password)
            except PasswordRequired:
                # A new account and no password in the environment: ask for one.
                return await create(args.email, getpass.getpass("password for the new admin: "))
        if password is not None and not created:
            await _end_live_sessions(settings, user)
        return user, created

    try:
        _, created = asyncio.run(_with_container(settings, work))
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"{args.email} is {'a new' if created else 'now an'} admin")
    return 0


def cmd_users_erase(args: argparse.Namespace) -> int:
    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.model.privacy import ErasureRefused
    from tailtribe.domain.services.privacy.erase import EraseAccount, Erased

    settings = Settings.from_env()

    async def work(container: AsyncContainer) -> Erased:
        async with container() as scope:
            erased = await (await scope.get(EraseAccount)).by_email(args.email, args.reason)
        if erased.now:
            await _end_live_sessions(settings, erased.user)
        return erased

    try:
        erased = asyncio.run(_with_container(settings, work))
    except ErasureRefused as exc:
        reasons = ", ".join(r.value for r in exc.reasons)
        print(f"error: {exc.detail} ({reasons})", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"account {erased.user.id} is erased" + ("" if erased.now else " (it was already)"))
    return 0


async def _end_live_sessions(settings: Settings, user: User) -> None:
    """A new password voided the user's tokens: the API processes close their
    sockets, told through Redis. (Embedded, the API's channels live in its own
    memory: its sockets then end at their tokens' expiry.)"""
    if settings.redis_url is None:
        return
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend
    from redis.asyncio import Redis

    from tailtribe.entrypoints.http.live import revoke_through

    client = Redis.from_url(settings.redis_url)
    try:
        await revoke_through(RedisChannelsPubSubBackend(redis=client), user)
    finally:
        await client.aclose()


def cmd_metrics(args: argparse.Namespace) -> int:
    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.services.admin.metrics import BusinessMetrics, Report
    from tailtribe.entrypoints.metrics_table import metrics_table

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(container: AsyncContainer) -> Report:
        async with container() as scope:
            return await (await scope.get(BusinessMetrics))(args.from_date, args.to_date)

    try:
        report = asyncio.run(_with_container(settings, work))
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(metrics_table(report))
    return 0


def cmd_payments_reconcile(args: argparse.Namespace) -> int:
    """Exit 0 when every ledger agrees with its booking and with Stripe, 1 otherwise."""
    from datetime import UTC, datetime

    from tailtribe.domain.services.payments.ledger import Mismatch, Reconcile

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    since = None if args.since is None else datetime.combine(args.since, datetime.min.time(), UTC)

    with_stripe = settings.stripe_secret_key is not None
    if not with_stripe:
        print("payments are simulated (no STRIPE_SECRET_KEY): ledgers are checked against bookings")

    async def work(container: AsyncContainer) -> tuple[int, list[Mismatch]]:
        async with container() as scope:
            return await (await scope.get(Reconcile))(since, with_stripe)

    checked, mismatches = asyncio.run(_with_container(settings, work))
    for m in mismatches:
        print(f"{m.booking_id}  {m.what}")
    print(f"{checked} bookings compared, {len(mismatches)} mismatches")
    return 1 if mismatches else 0


def cmd_retention_run(args: argparse.Namespace) -> int:
    """Exit 0 when every rule ran, 1 when any failed (the others still ran)."""
    from tailtribe.domain.services.privacy.retention import FAILED
    from tailtribe.entrypoints.worker.jobs import run_retention

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = asyncio.run(_with_container(settings, run_retention))
    width = max(map(len, counts), default=0)
    for name, count in counts.items():
        print(f"{name:<{width}}  {'failed (see the log)' if count == FAILED else count}")
    return 1 if FAILED in counts.values() else 0


def cmd_reports_dac7(args: argparse.Namespace) -> int:
    """Write the year's DAC7 report (XML or CSV) to --output or standard output."""
    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.model.dac7 import Dac7Report
    from tailtribe.domain.model.dac7_files import to_csv, to_xml
    from tailtribe.domain.services.reports.dac7 import ReadDac7Report

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(container: AsyncContainer) -> Dac7Report:
        async with container() as scope:
            return await (await scope.get(ReadDac7Report))(None, args.year)

    try:
        report = asyncio.run(_with_container(settings, work))
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    body = to_xml(report) if args.format == "xml" else to_csv(report).encode()
    if args.output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        args.output.write_bytes(body)
    missing = [s for s in report.sellers if not s.complete]
    print(
        f"DAC7 {report.year}: {len(report.sellers)} reportable sellers, "
        f"{len(missing)} without due-diligence data",
        file=sys.stderr,
    )
    for s in missing:
        print(f"  incomplete: {s.figures.caregiver_id}  {s.name}", file=sys.stderr)
    return 0


def cmd_reports_vat(args: argparse.Namespace) -> int:
    """Print the quarter's VAT report as text, CSV or JSON."""
    import json

    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.model.accounting import (
        VatReport,
        vat_report_csv,
        vat_report_json,
        vat_report_text,
    )
    from tailtribe.domain.services.reports.accounting import ReadVatReport

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(container: AsyncContainer) -> VatReport:
        async with container() as scope:
            return await (await scope.get(ReadVatReport))(None, args.quarter)

    try:
        report = asyncio.run(_with_container(settings, work))
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    if args.format == "csv":
        sys.stdout.write(vat_report_csv(report))
    elif args.format == "json":
        sys.stdout.write(json.dumps(vat_report_json(report), indent=2) + "\n")
    else:
        sys.stdout.write(vat_report_text(report))
    sys.stdout.flush()
    return 0


def cmd_reports_documents(args: argparse.Namespace) -> int:
    """Write every document issued from --from to --to as CSV, page by page."""
    from tailtribe.domain.errors import DomainError
    from tailtribe.domain.model.accounting import documents_csv_header, documents_csv_rows
    from tailtribe.domain.services.reports.accounting import ReadDocumentsReport

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(container: AsyncContainer) -> int:
        async with container() as scope:
            read = await scope.get(ReadDocumentsReport)
            first, last = await read.open(None, args.date_from, args.date_to)
            out = sys.stdout if args.output is None else args.output.open("w", newline="")
            count = 0
            try:
                out.write(documents_csv_header())
                async for page in read.pages(first, last):
                    out.write(documents_csv_rows(page))
                    count += len(page)
            finally:
                if out is sys.stdout:
                    out.flush()
                else:
                    out.close()
            return count

    try:
        count = asyncio.run(_with_container(settings, work))
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"{count} documents from {args.date_from} to {args.date_to}", file=sys.stderr)
    return 0


def _add_reports(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`tailtribe reports ...`: one subcommand per report, each with its own options."""
    reports = commands.add_parser(
        "reports",
        help="reports for the authorities and the accountant",
        description="Reports for the authorities and the accountant.",
    )
    report_commands = reports.add_subparsers(
        dest="reports_command", required=True, metavar="COMMAND"
    )
    dac7_help = "the yearly DAC7 report of the sellers' income (docs/dac7.md)"
    dac7 = report_commands.add_parser(
        "dac7",
        help=dac7_help,
        description=dac7_help + ": OECD DPI XML (schema 1.0) or CSV; the sellers without "
        "due-diligence data are listed on standard error. Recorded in the audit trail.",
    )
    dac7.add_argument(
        "--year", type=int, required=True, help="the Brussels calendar year (2023 on)"
    )
    dac7.add_argument(
        "--format", choices=["xml", "csv"], default="xml", help="file format (%(default)s)"
    )
    dac7.add_argument(
        "--output", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    dac7.set_defaults(run=cmd_reports_dac7)
    vat_help = "the quarter's VAT on the commission, per month, with the number ranges"
    vat = report_commands.add_parser(
        "vat",
        help=vat_help,
        description=vat_help + " (docs/documents.md, Reports). Recorded in the audit trail.",
    )
    vat.add_argument(
        "--quarter", required=True, help="the quarter, like 2027Q1 (Brussels dates of issue)"
    )
    vat.add_argument(
        "--format",
        choices=["text", "csv", "json"],
        default="text",
        help="output format (%(default)s)",
    )
    vat.set_defaults(run=cmd_reports_vat)
    documents_help = "every money document issued in a period, as CSV for the accountant"
    documents = report_commands.add_parser(
        "documents",
        help=documents_help,
        description=documents_help + " (docs/documents.md, Reports); the count goes to "
        "standard error. Recorded in the audit trail.",
    )
    documents.add_argument(
        "--from",
        dest="date_from",
        required=True,
        metavar="YYYY-MM-DD",
        help="first Brussels date of issue (included)",
    )
    documents.add_argument(
        "--to",
        dest="date_to",
        required=True,
        metavar="YYYY-MM-DD",
        help="last Brussels date of issue (included)",
    )
    documents.add_argument(
        "--output", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    documents.set_defaults(run=cmd_reports_documents)


def cmd_documents_backfill(args: argparse.Namespace) -> int:
    """Issue every document the ledger owes, the missing statements of past
    months too, store their files; exit 0."""
    from tailtribe.entrypoints.worker.jobs import backfill_documents

    try:
        settings = existing_data_settings(os.environ)
    except NoDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = asyncio.run(_with_container(settings, backfill_documents))
    print(
        f"{counts['documents.issued']} documents issued, "
        f"{counts['documents.statements']} monthly statements issued, "
        f"{counts['documents.sent']} files stored and their recipients told"
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from tailtribe.entrypoints.observability import configure_logging, init_sentry
    from tailtribe.entrypoints.worker.saq_worker import run

    settings = Settings.from_env()
    configure_logging()
    init_sentry(settings.sentry_dsn, settings.env.value, "worker")
    if settings.redis_url is None:
        print(
            "the worker needs REDIS_URL; without it the API runs the scheduled jobs itself",
            file=sys.stderr,
        )
        return 2
    asyncio.run(run(settings))
    return 0


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _not_for_sqlite(settings: Settings, what: str) -> bool:
    if not settings.direct_url.startswith("sqlite"):
        return False
    print(
        f"error: {what} is for PostgreSQL; this database is a SQLite file: copy the file "
        "(with the app stopped), or move to PostgreSQL with `tailtribe db copy`",
        file=sys.stderr,
    )
    return True


def cmd_backup(args: argparse.Namespace) -> int:
    from tailtribe.adapters.postgres.backup import BackupError, backup

    settings = Settings.from_env()
    if _not_for_sqlite(settings, "backup"):
        return 2
    directory = args.dir or settings.data_dir / "backups"
    try:
        result = backup(settings.direct_url, directory, keep=args.keep)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {result.path}")
    for path in result.removed:
        print(f"older backup removed: {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from tailtribe.adapters.postgres.backup import BackupError, restore

    settings = Settings.from_env()
    if _not_for_sqlite(settings, "restore"):
        return 2
    target = make_url(settings.direct_url).render_as_string(hide_password=True)
    if not args.yes:
        print(
            f"error: restoring replaces the data of {target} with the backup's; "
            "run again with --yes to do it",
            file=sys.stderr,
        )
        return 2
    try:
        restore(settings.direct_url, args.file)
    except BackupError as exc:
        print(f"error: {exc} (the database is unchanged)", file=sys.stderr)
        return 1
    print(f"restored {args.file} into {target}")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from tailtribe.adapters.sqlalchemy.db_copy import (
        CopyError,
        CopyMismatch,
        copy_database,
        counts_table,
    )
    from tailtribe.config import _async_database_url

    try:
        counts = copy_database(_async_database_url(args.source), _async_database_url(args.target))
    except CopyError as exc:
        if isinstance(exc, CopyMismatch):
            print(counts_table(exc.counts))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(counts_table(counts))
    print("every row copied; counts and money sums match")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tailtribe",
        description="TailTribe marketplace backend. Every command reads the same environment "
        "variables as the server (see the README's Configuration table).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API", description="Serve the API.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (%(default)s)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes serving requests (%(default)s)"
    )
    serve.set_defaults(run=cmd_serve)

    demo_help = (
        f"embedded mode: SQLite in {DEMO_DATA_DIR}, demo data, emails to "
        f"{DEMO_DATA_DIR / 'emails'}, serve"
    )
    demo = commands.add_parser("demo", help=demo_help, description=demo_help + ".")
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    demo.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on, also the one the emails' links use (%(default)s)",
    )
    demo.set_defaults(run=cmd_demo)

    worker_help = "the background worker (SAQ on Redis): scheduled jobs, outbox, emails"
    worker = commands.add_parser("worker", help=worker_help, description=worker_help + ".")
    worker.set_defaults(run=cmd_worker)

    metrics_help = "the business metrics for a range of Brussels dates (default: 30 days)"
    metrics = commands.add_parser(
        "metrics",
        help=metrics_help,
        description=metrics_help + ". With no DATABASE_URL it reads the embedded database "
        f"of TAILTRIBE_DATA_DIR, else {DEFAULT_DATA_DIR / DATABASE_FILE}, "
        f"else the demo's {DEMO_DATA_DIR / DATABASE_FILE}.",
    )
    metrics.add_argument(
        "--from",
        dest="from_date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="first day, included (default: 29 days before --to)",
    )
    metrics.add_argument(
        "--to",
        dest="to_date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="last day, included (default: today)",
    )
    metrics.set_defaults(run=cmd_metrics)

    payments = commands.add_parser(
        "payments", help="money: the ledger against Stripe", description="Money commands."
    )
    payments_commands = payments.add_subparsers(
        dest="payments_command", required=True, metavar="COMMAND"
    )
    reconcile_help = "compare each booking's ledger with the booking and with Stripe"
    reconcile = payments_commands.add_parser(
        "reconcile",
        help=reconcile_help,
        description=reconcile_help + "; exit code 1 when any disagrees.",
    )
    reconcile.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="only bookings with a ledger movement from this day (default: every booking)",
    )
    reconcile.set_defaults(run=cmd_payments_reconcile)

    _add_reports(commands)

    retention = commands.add_parser(
        "retention",
        help="personal data past its retention period (docs/retention.md)",
        description="Retention of personal data.",
    )
    retention_commands = retention.add_subparsers(
        dest="retention_command", required=True, metavar="COMMAND"
    )
    retention_help = "apply every retention rule now, as the daily job does; print counts per rule"
    retention_commands.add_parser(
        "run",
        help=retention_help,
        description=retention_help + "; exit code 1 when a rule failed (the others still run).",
    ).set_defaults(run=cmd_retention_run)

    documents = commands.add_parser(
        "documents",
        help="money documents: receipts, invoices, notes (docs/documents.md)",
        description="Money documents: receipts, refund notes, commission invoices, credit notes, "
        "monthly statements.",
    )
    documents_commands = documents.add_subparsers(
        dest="documents_command", required=True, metavar="COMMAND"
    )
    backfill_help = (
        "issue every document the ledger owes (older movements included), the missing "
        "monthly statements of past months, and store their files"
    )
    documents_commands.add_parser(
        "backfill",
        help=backfill_help,
        description=backfill_help + "; a second run issues nothing. Documents for old "
        "movements are dated today and numbered in this year's series.",
    ).set_defaults(run=cmd_documents_backfill)

    db = commands.add_parser(
        "db", help="database administration", description="Database administration."
    )
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade_help = "apply migrations (to DIRECT_URL when set)"
    db_commands.add_parser(
        "upgrade", help=upgrade_help, description=upgrade_help + "."
    ).set_defaults(run=cmd_db_upgrade)
    copy_help = "copy every row of a database (SQLite) into an empty one (PostgreSQL)"
    copy = db_commands.add_parser("copy", help=copy_help, description=copy_help + ".")
    copy.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="the database to copy"
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="the empty database to fill (migrated first)",
    )
    copy.set_defaults(run=cmd_db_copy)

    backup_help = "pg_dump DIRECT_URL to a dated file, keeping the newest --keep"
    backup = commands.add_parser("backup", help=backup_help, description=backup_help + ".")
    backup.add_argument(
        "--dir", type=Path, help="folder of the backups (default: TAILTRIBE_DATA_DIR/backups)"
    )
    backup.add_argument(
        "--keep",
        type=_positive,
        default=30,
        help="how many of the newest backups to keep (%(default)s)",
    )
    backup.set_defaults(run=cmd_backup)

    restore_help = "replace DIRECT_URL's data with a backup"
    restore = commands.add_parser("restore", help=restore_help, description=restore_help + ".")
    restore.add_argument("file", type=Path, help="a backup written by `tailtribe backup`")
    restore.add_argument("--yes", action="store_true", help="confirm: the data is replaced")
    restore.set_defaults(run=cmd_restore)

    users = commands.add_parser("users", help="user accounts", description="User accounts.")
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    erase_help = "erase the account of EMAIL for good (GDPR art. 17; docs/privacy.md)"
    erase = users_commands.add_parser(
        "erase",
        help=erase_help,
        description=erase_help + ". Refused (exit code 1, with the reasons) while the "
        "account has a booking open, a payout not sent or a dispute open.",
    )
    erase.add_argument("email", metavar="EMAIL", help="the account's email address")
    erase.add_argument(
        "--reason", required=True, help="why the account is erased (kept in the audit trail)"
    )
    erase.set_defaults(run=cmd_users_erase)

    admin_help = "make EMAIL an admin (password: TAILTRIBE_ADMIN_PASSWORD or a prompt)"
    admin = commands.add_parser("create-admin", help=admin_help, description=admin_help + ".")
    admin.add_argument("email", metavar="EMAIL", help="the admin's email address")
    admin.set_defaults(run=cmd_create_admin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
