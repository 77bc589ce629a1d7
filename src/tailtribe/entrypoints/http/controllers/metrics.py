"""`/metrics` in the Prometheus text format: Litestar's request counters and
latency histograms per route, and the business and operational counts,
refreshed from the database at each scrape (at most every 10 seconds)."""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, MediaType, Request, Response, get
from litestar.exceptions import NotAuthorizedException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from tailtribe.config import Settings
from tailtribe.domain.ports.monitoring import OperationsSnapshot
from tailtribe.domain.services.platform.operations import ReadOperations

METRICS_PATH = "/metrics"
# Litestar appends the charset to a text media type itself: given twice, a
# strict scraper or client refuses the header.
PROMETHEUS_TEXT = "; ".join(
    part for part in CONTENT_TYPE_LATEST.split("; ") if not part.startswith("charset=")
)
REFRESH_SECONDS = 10.0
TAKEN_AT, REFRESHING = "metrics_taken_at", "metrics_refreshing"


class BusinessCollector(Collector):
    """Serves the latest snapshot; the endpoint refreshes it before rendering."""

    def __init__(self) -> None:
        self.snapshot = OperationsSnapshot()
        self.pool_size = 0
        self.pool_checked_out = 0

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        # Counters only where the source only grows (payment events in the
        # outbox); counts of rows whose state can go back (a failed email an
        # admin retries, a payout reversed) are gauges, or Prometheus would
        # read every drop as a reset.
        yield _gauge("tailtribe_accounts", "registered accounts", s.users)
        bookings = GaugeMetricFamily(
            "tailtribe_bookings", "bookings by their current status", labels=["status"]
        )
        for status, count in sorted(s.bookings_by_status.items()):
            bookings.add_metric([status], count)
        yield bookings
        yield _counter(
            "tailtribe_payments_authorized",
            "cards held (series occurrences too)",
            s.payments_authorized,
        )
        yield _counter(
            "tailtribe_payments_failed",
            "card payments that failed (off-session too)",
            s.payments_failed,
        )
        yield _gauge("tailtribe_payouts_paid", "bookings paid out", s.payouts_paid)
        yield _gauge(
            "tailtribe_payouts_paid_cents", "paid out to caregivers, in cents", s.payouts_paid_cents
        )
        yield _gauge("tailtribe_payouts_held", "payouts waiting for an admin", s.payouts_held)
        yield _gauge(
            "tailtribe_payouts_withheld",
            "payouts withheld until the caregiver gives their DAC7 tax details",
            s.payouts_withheld,
        )
        yield _gauge(
            "tailtribe_webhooks_unprocessed",
            "Stripe events stored over 5 minutes ago and not applied yet",
            s.webhooks_unprocessed,
        )
        yield _gauge("tailtribe_emails_sent", "emails sent", s.emails_sent)
        yield _gauge(
            "tailtribe_emails_failed", "emails given up on, awaiting a retry", s.emails_failed
        )
        yield _gauge("tailtribe_outbox_backlog", "outbox rows due and not sent", s.outbox_backlog)
        yield _gauge(
            "tailtribe_outbox_oldest_due_seconds",
            "how long the oldest due outbox row has waited",
            s.outbox_oldest_due_seconds,
        )
        yield _gauge("tailtribe_db_pool_size", "this process's connection pool", self.pool_size)
        yield _gauge(
            "tailtribe_db_pool_checked_out", "pool connections in use", self.pool_checked_out
        )
        if s.db_connections is not None and s.db_max_connections is not None:
            yield _gauge(
                "tailtribe_db_connections", "server connections to the database", s.db_connections
            )
            yield _gauge(
                "tailtribe_db_max_connections", "the server's max_connections", s.db_max_connections
            )


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


BUSINESS = BusinessCollector()
REGISTRY.register(BUSINESS)


class MetricsController(Controller):
    path = METRICS_PATH
    tags = ("Platform",)

    @get(
        operation_id="metrics",
        exclude_from_auth=True,
        cache=False,
        include_in_schema=True,
        media_type=MediaType.TEXT,  # Prometheus' text format, as documented
    )
    @inject
    async def metrics(
        self,
        request: Request[Any, Any, Any],
        operations: FromDishka[ReadOperations],
        engine: FromDishka[AsyncEngine],
        settings: FromDishka[Settings],
    ) -> Response[bytes]:
        if settings.metrics_token is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
                raise NotAuthorizedException("the metrics token is wrong or missing")
        # Per app (one per process in production; tests make many): the first
        # scrape of an app always reads its own database.
        state = request.app.state
        stale = time.monotonic() - state.get(TAKEN_AT, float("-inf")) > REFRESH_SECONDS
        if stale and not state.get(REFRESHING):  # one refresh at a time; others serve the last
            state[REFRESHING] = True
            try:
                BUSINESS.snapshot = await operations()
                state[TAKEN_AT] = time.monotonic()
            finally:
                state[REFRESHING] = False
        pool = engine.pool
        BUSINESS.pool_size = int(getattr(pool, "size", lambda: 0)())
        BUSINESS.pool_checked_out = int(getattr(pool, "checkedout", lambda: 0)())
        registry = REGISTRY
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several granian workers
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(BUSINESS)
        return Response(
            generate_latest(registry),
            media_type=PROMETHEUS_TEXT,
            headers={"Cache-Control": "no-store"},
        )
