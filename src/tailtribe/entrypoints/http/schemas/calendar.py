"""The signed-in user's private calendar feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

FeedUrl = Annotated[
    str,
    msgspec.Meta(
        description="The feed's secret address, for a calendar app's subscription. Shown "
        "only here: the server keeps a hash of it."
    ),
]


class CalendarFeedCreated(msgspec.Struct):
    """A new feed address; any previous one has stopped working."""

    url: FeedUrl


class CalendarFeedOut(msgspec.Struct, omit_defaults=True):
    """Whether the feed is on. Its address is not kept and so not shown:
    POST again for a new one."""

    enabled: Annotated[bool, msgspec.Meta(description="Whether the feed is on.")]
    created_at: Annotated[
        datetime | None,
        msgspec.Meta(description="When the current address was made (absent while off)."),
    ] = None
