"""The admin console's sign-in: the second factor's use cases and adapters."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from tailtribe.adapters.security.second_factor import AesGcmSecretBox, PyotpCodes
from tailtribe.config import Settings
from tailtribe.domain.ports.second_factor import OneTimeCodes, SecretBox
from tailtribe.domain.services.admin.console_sign_in import (
    ConfirmEnrolment,
    ConsolePassword,
    HasSecondFactor,
    StartEnrolment,
    VerifySecondFactor,
)
from tailtribe.domain.services.admin.find_bookings import FindBookings


class ConsoleProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def secret_box(self, settings: Settings) -> SecretBox:
        return AesGcmSecretBox(settings.secret_key)

    @provide(scope=Scope.APP)
    def one_time_codes(self) -> OneTimeCodes:
        return PyotpCodes()

    password = provide(ConsolePassword)
    start_enrolment = provide(StartEnrolment)
    confirm_enrolment = provide(ConfirmEnrolment)
    verify = provide(VerifySecondFactor)
    has_second_factor = provide(HasSecondFactor)
    find_bookings = provide(FindBookings)
