"""The one wiring point: which adapter serves which port, one module per area.

Tests override providers here (another clock, a gateway that fails on cue)
instead of patching modules: an override passed to make_container comes last
and wins.
"""

from __future__ import annotations

from dishka import AsyncContainer, Provider, make_async_container
from dishka.integrations.litestar import LitestarProvider

from tailtribe.config import Settings
from tailtribe.ioc.accounts import AccountsProvider, TimingDummyHash
from tailtribe.ioc.bookings import BookingsProvider
from tailtribe.ioc.calendar import CalendarProvider
from tailtribe.ioc.caregivers import CaregiversProvider
from tailtribe.ioc.console import ConsoleProvider
from tailtribe.ioc.documents import DocumentsProvider
from tailtribe.ioc.infrastructure import InfrastructureProvider
from tailtribe.ioc.messaging import MessagingProvider
from tailtribe.ioc.payments import PaymentsProvider
from tailtribe.ioc.pets import PetsProvider
from tailtribe.ioc.platform import PlatformProvider
from tailtribe.ioc.privacy import PrivacyProvider
from tailtribe.ioc.reports import ReportsProvider

__all__ = [
    "TimingDummyHash",
    "make_container",
    "providers",
]


def providers(settings: Settings) -> list[Provider]:
    """The application's own providers, without Litestar's nor any override."""
    return [
        InfrastructureProvider(settings),
        AccountsProvider(),
        PaymentsProvider(),
        BookingsProvider(),
        CaregiversProvider(),
        PetsProvider(),
        MessagingProvider(),
        PlatformProvider(),
        PrivacyProvider(),
        ReportsProvider(),
        CalendarProvider(),
        ConsoleProvider(),
        DocumentsProvider(),
    ]


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(*providers(settings), LitestarProvider(), *overrides)
