"""Personal data: erasing accounts."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from tailtribe.domain.services.privacy.erase import EraseAccount, PurgeErasedPhotos


class PrivacyProvider(Provider):
    scope = Scope.REQUEST

    erase_account = provide(EraseAccount)
    purge_erased_photos = provide(PurgeErasedPhotos)
