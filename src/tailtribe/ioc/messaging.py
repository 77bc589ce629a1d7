"""Conversations, the outbox and the emails it relays."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from redis.asyncio import Redis

from tailtribe.adapters.filesystem.mailer import FolderMailer
from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.redis.login_throttle import RedisLoginThrottle
from tailtribe.adapters.resend.mailer import ResendMailer
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.config import Settings
from tailtribe.domain.model.conversations import SENDS_PER_MINUTE
from tailtribe.domain.ports.identity import UnsubscribeTokens
from tailtribe.domain.ports.limits import SendThrottle
from tailtribe.domain.ports.messaging import EmailRenderer, Mailer
from tailtribe.domain.ports.storage import Cache
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.conversations.manage_conversations import ManageConversations
from tailtribe.domain.services.conversations.notify_unread import NotifyUnreadMessages
from tailtribe.domain.services.notifications.email_settings import (
    ManageEmailSettings,
    Unsubscribe,
)
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import Links, SendEmail
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.reactions import reactions


class MessagingProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def outbox(self, ids: IdGenerator, clock: Clock, cache: Cache) -> Outbox:
        return Outbox(ids, clock, reactions(cache))

    @provide(scope=Scope.APP)
    def send_throttle(self, redis: Redis | None, clock: Clock) -> SendThrottle:
        if redis is None:
            return MemoryLoginThrottle(clock, SENDS_PER_MINUTE, 60)
        return RedisLoginThrottle(redis, SENDS_PER_MINUTE, 60, name="message-sends")

    @provide(scope=Scope.APP)
    def mailer(self, settings: Settings, clock: Clock) -> Mailer:
        if settings.resend_api_key:
            return ResendMailer(
                settings.resend_api_key, settings.email_from, settings.resend_api_url
            )
        return FolderMailer(settings.email_dir, settings.email_from, clock, settings.app_url)

    @provide(scope=Scope.APP)
    def email_renderer(self) -> EmailRenderer:
        return JinjaEmailRenderer()

    @provide(scope=Scope.APP)
    def links(self, settings: Settings) -> Links:
        return Links(settings.app_url)

    @provide(scope=Scope.APP)
    def unsubscribe_tokens(self, settings: Settings) -> UnsubscribeTokens:
        return HmacUnsubscribeTokens(settings.secret_key)

    manage_conversations = provide(ManageConversations)
    notify_unread = provide(NotifyUnreadMessages)
    relay_outbox = provide(RelayOutbox)
    send_email = provide(SendEmail)
    manage_outbox = provide(ManageOutbox)
    manage_email_settings = provide(ManageEmailSettings)
    unsubscribe = provide(Unsubscribe)
