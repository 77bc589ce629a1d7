from __future__ import annotations

from typing import Annotated

import msgspec


class PaymentEventRetried(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(description="The provider's event id (evt_...).")]
    applied: Annotated[
        bool, msgspec.Meta(description="Always true: the event is applied and marked processed.")
    ]
