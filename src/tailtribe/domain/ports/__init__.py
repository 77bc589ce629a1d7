"""What the core needs from the outside world, one module per capability.

New code imports from the capability module (`tailtribe.domain.ports.storage`, ...).
"""

# Re-exported here only until parallel branches that import
# `from tailtribe.domain.ports import X` are merged.

from tailtribe.domain.ports.files import ImageProcessor, ObjectStorage, ServedMedia
from tailtribe.domain.ports.identity import (
    DeviceTokens,
    ExternalIdentity,
    IdentityProvider,
    PasswordHasher,
    TokenSecrets,
)
from tailtribe.domain.ports.limits import (
    EMAILS_PER_ADDRESS_PER_HOUR,
    EmailCap,
    LoginThrottle,
    SendThrottle,
)
from tailtribe.domain.ports.messaging import Email, EmailRenderer, Mailer, RenderedEmail, TaskQueue
from tailtribe.domain.ports.monitoring import (
    Day,
    HealthCheck,
    MetricsStore,
    OperationsSnapshot,
    OperationsStore,
    Totals,
)
from tailtribe.domain.ports.payments import (
    Capture,
    GatewayRecord,
    PaymentEventDecoder,
    PaymentGateway,
    PaymentIntentRef,
    TransferRef,
    WebhookVerifier,
)
from tailtribe.domain.ports.search import (
    Candidate,
    CaregiverSearchStore,
    Schedule,
    SearchQuery,
    Sort,
)
from tailtribe.domain.ports.storage import (
    BookingRepository,
    Cache,
    CaregiverRepository,
    ConversationRepository,
    ConversationSummary,
    DueWork,
    LedgerRepository,
    OutboxRepository,
    Page,
    PetRepository,
    PhotoRepository,
    ReviewRepository,
    TokenRepository,
    UnitOfWork,
    UnreadCandidate,
    UserRepository,
    WebhookEventRepository,
)
from tailtribe.domain.ports.time import AdjustableClock, Clock, IdGenerator

__all__ = [
    "EMAILS_PER_ADDRESS_PER_HOUR",
    "AdjustableClock",
    "BookingRepository",
    "Cache",
    "Candidate",
    "Capture",
    "CaregiverRepository",
    "CaregiverSearchStore",
    "Clock",
    "ConversationRepository",
    "ConversationSummary",
    "Day",
    "DeviceTokens",
    "DueWork",
    "Email",
    "EmailCap",
    "EmailRenderer",
    "ExternalIdentity",
    "GatewayRecord",
    "HealthCheck",
    "IdGenerator",
    "IdentityProvider",
    "ImageProcessor",
    "LedgerRepository",
    "LoginThrottle",
    "Mailer",
    "MetricsStore",
    "ObjectStorage",
    "OperationsSnapshot",
    "OperationsStore",
    "OutboxRepository",
    "Page",
    "PasswordHasher",
    "PaymentEventDecoder",
    "PaymentGateway",
    "PaymentIntentRef",
    "PetRepository",
    "PhotoRepository",
    "RenderedEmail",
    "ReviewRepository",
    "Schedule",
    "SearchQuery",
    "SendThrottle",
    "ServedMedia",
    "Sort",
    "TaskQueue",
    "TokenRepository",
    "TokenSecrets",
    "Totals",
    "TransferRef",
    "UnitOfWork",
    "UnreadCandidate",
    "UserRepository",
    "WebhookEventRepository",
    "WebhookVerifier",
]
