"""Per-client rate limits: Litestar's middleware and config, counted by `limits`.

Litestar's own middleware reads a client's history from its store and writes it
back under a lock of the middleware's: one lock per route and process. Every
request of a route waits in that lock across two store round trips, so under
load the busiest route queues behind it (at 500 users of bench/load.py the p99
doubles), while two routes or two workers still interleave on the same
client's history and lose counts (litestar-org/litestar#4700). The `limits`
library counts with one atomic operation instead (a Lua script in Redis, the
event loop's single thread in memory): no lock and no lost count, in one round
trip. Litestar still decides which requests are limited, who the client is and
how a refusal is answered.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import (
    RateLimitItem,
    RateLimitItemPerDay,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.aio.strategies import MovingWindowRateLimiter
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

LIMITER_STATE_KEY = "rate_limiter"

_ITEMS: dict[str, type[RateLimitItem]] = {
    "second": RateLimitItemPerSecond,
    "minute": RateLimitItemPerMinute,
    "hour": RateLimitItemPerHour,
    "day": RateLimitItemPerDay,
}


class CountedRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limit middleware, counting through the app's `limits` limiter.

    The limit is a moving window, as Litestar's: at most N requests in any
    span of the unit. Each config counts apart (its store name is the
    namespace). A refusal is Litestar's 429 with the RateLimit-* headers and,
    through the problem details handler, Retry-After; successful answers carry
    no counters, which would cost a second round trip on every request.
    """

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        unit, count = config.rate_limit
        self._item = _ITEMS[unit](count, namespace=config.store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request = app.request_class(scope)
        if await self.should_check_request(request=request):
            limiter: MovingWindowRateLimiter = app.state[LIMITER_STATE_KEY]
            client = self.get_identifier_for_request(request)
            if not await limiter.hit(self._item, client):
                raise TooManyRequestsException(headers=await self._refusal(limiter, client))
        await self.app(scope, receive, send)

    async def _refusal(self, limiter: MovingWindowRateLimiter, client: str) -> dict[str, Any]:
        stats = await limiter.get_window_stats(self._item, client)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        config, window = self.config, self._item.get_expiry()
        return {
            config.rate_limit_policy_header_key: f"{self.max_requests}; w={window}",
            config.rate_limit_limit_header_key: str(self.max_requests),
            config.rate_limit_remaining_header_key: str(stats.remaining),
            config.rate_limit_reset_header_key: str(wait),
            "Retry-After": str(wait),
        }
