"""Settings from environment variables, read in one place.

Variable names follow the deployment guide (DATABASE_URL, DIRECT_URL,
REDIS_URL, STRIPE_*, RESEND_API_KEY, SENTRY_DSN, PLATFORM_COMMISSION_PERCENTAGE,
...). With none set, the app runs embedded: SQLite file, in-process jobs,
emails in a folder, simulated payments.
"""

from __future__ import annotations

import enum
import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.documents import DEFAULT_VAT_RATE, Party
from tailtribe.domain.model.money import CommissionRate

# Development-only webhook secret, so the simulated gateway's events can be
# signed locally; production refuses to start without STRIPE_WEBHOOK_SECRET.
DEV_WEBHOOK_SECRET = "whsec_tailtribe_development"  # noqa: S105
DEFAULT_SECRET = "development-only-secret-change-me-in-production"  # noqa: S105  (refused in production)
DEFAULT_DATA_DIR = Path("var")
# The embedded database, in the data folder.
DATABASE_FILE = "tailtribe.db"
DEFAULT_APP_URL = "http://127.0.0.1:8000"
DEFAULT_EMAIL_FROM = "TailTribe <noreply@tailtribe.be>"
DEFAULT_RESEND_API_URL = "https://api.resend.com"
GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
# Printed on documents issued by a development or demo install; production
# names its own company (PLATFORM_* variables).
DEFAULT_PLATFORM = Party(
    name="TailTribe BV", street="Rue de la Loi 1", postcode="1000", city="Brussel", country="BE"
)


def _local_secret(data_dir: Path) -> str:
    """A random key kept beside the embedded database, made on first use."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigError(ValueError):
    """The environment describes a configuration the app must not run with."""


# Tokens are signed with the secret key: guessing it is forging any account.
MIN_SECRET_BITS = 128


def estimated_bits(key: str) -> float:
    """A generous estimate of the randomness in `key`: the Shannon information
    of its characters, counted over its shortest repeating unit only, so that
    `"ab" * 32` or a word said four times is judged by what was typed once."""
    period = next(
        p for p in range(1, len(key) + 1) if all(key[i] == key[i - p] for i in range(p, len(key)))
    )
    unit = key[:period]
    return -sum(n * math.log2(n / len(unit)) for n in Counter(unit).values())


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _check_postgres_options(url: str) -> str:
    """Refuse at start-up what the engine would refuse at the first query.

    The options stay in the URL (`?pgbouncer=true` for a transaction-pooling
    PgBouncer, libpq's `sslmode` and `sslrootcert`): the engine turns them into
    driver arguments (adapters/sqlalchemy/database.py).
    """
    options = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for name, allowed in (("pgbouncer", ("true", "false")), ("sslmode", SSL_MODES)):
        for value in options.get(name, []):
            if (value.lower() if name == "pgbouncer" else value) not in allowed:
                raise ConfigError(
                    f"{name}={value!r} in the database URL: expected one of {', '.join(allowed)}"
                )
    return url


def _async_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out; pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return _check_postgres_options("postgresql+asyncpg://" + url[len(prefix) :])
    if url.startswith("postgresql+"):
        return _check_postgres_options(url)
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be within {low}..{high}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    direct_url: str = ""
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET
    app_url: str = DEFAULT_APP_URL
    commission: CommissionRate = field(default_factory=lambda: CommissionRate.parse("20"))
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None  # a local stand-in of Stripe's API; never in production
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_discovery_url: str = GOOGLE_DISCOVERY_URL
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str | None = None
    media_base_url: str | None = None  # embedded default: the app's own /media
    resend_api_key: str | None = None
    resend_api_url: str = DEFAULT_RESEND_API_URL
    email_from: str = DEFAULT_EMAIL_FROM
    sentry_dsn: str | None = None
    metrics_token: str | None = None  # when set, /metrics wants it as a bearer token
    cors_allowed_origins: tuple[str, ...] = ()
    # Database connections each process keeps (see docs/deploy.md for sizing);
    # overflow connections are closed on return, so they churn under load.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    db_pool_timeout_seconds: int = 10
    rate_limit_per_minute: int = 600
    auth_rate_limit_per_minute: int = 20
    login_failures_per_account: int = 10
    dispute_window_hours: int = 48
    access_token_minutes: int = 12 * 60
    # A live socket hears of its tokens' revocation through pub/sub, which may
    # lose a notice: it also looks at its token in the database this often.
    live_token_recheck_seconds: int = 60
    # How long a process reuses the user a bearer token names before reading
    # it again: a revocation (password reset, role change) takes this long to
    # reach requests at most. 0 reads the user on every request.
    user_cache_seconds: int = 5
    # Behind a proxy every client shares its address: name the header the
    # proxy sets (X-Forwarded-For, X-Real-IP, CF-Connecting-IP) to key limits.
    client_ip_header: str | None = None
    # Proxies of ours in front of the app, each appending to that header
    # (a CDN before a load balancer is 2): the client is that many from the right.
    client_ip_trusted_hops: int = 1
    # How long a stopping worker lets the jobs in hand finish before cancelling
    # them (SAQ also waits this long for its idle polling loops).
    worker_grace_seconds: int = 30
    # The platform's legal details, printed on every money document it issues
    # (PLATFORM_LEGAL_NAME, PLATFORM_STREET, PLATFORM_POSTCODE, PLATFORM_CITY,
    # PLATFORM_COUNTRY, PLATFORM_ENTERPRISE_NUMBER, PLATFORM_VAT_NUMBER), and
    # the VAT rate its commission carries (PLATFORM_VAT_RATE, percent).
    platform_legal_name: str = ""  # unset: the demo company's
    platform_street: str = ""  # unset: the demo company's
    platform_postcode: str = ""  # unset: the demo company's
    platform_city: str = ""  # unset: the demo company's
    platform_country: str = DEFAULT_PLATFORM.country
    platform_enterprise_number: str | None = None
    platform_vat_number: str | None = None
    platform_vat_rate: int = DEFAULT_VAT_RATE

    @property
    def platform_party(self) -> Party:
        """The issuer on the platform's documents: the demo company, in
        development, for what is not set (production refuses that)."""
        return Party(
            name=self.platform_legal_name or DEFAULT_PLATFORM.name,
            street=self.platform_street or DEFAULT_PLATFORM.street,
            postcode=self.platform_postcode or DEFAULT_PLATFORM.postcode,
            city=self.platform_city or DEFAULT_PLATFORM.city,
            country=self.platform_country,
            enterprise_number=self.platform_enterprise_number,
            vat_number=self.platform_vat_number,
        )

    @property
    def webhook_secret(self) -> str:
        return self.stripe_webhook_secret or DEV_WEBHOOK_SECRET

    @property
    def payments_simulated(self) -> bool:
        """No Stripe key: owners pay through the simulated gateway. Never in
        production, which refuses to start so (validate); even settings built
        without that check never offer a simulated payment there."""
        return not self.stripe_secret_key and self.env is not Environment.PRODUCTION

    @property
    def stripe_livemode(self) -> bool:
        """Stripe's live keys move real money; test keys (and no key) do not."""
        return any(
            key.startswith(("sk_live_", "rk_live_", "pk_live_"))
            for key in (self.stripe_secret_key, self.stripe_publishable_key)
            if key
        )

    @property
    def sends_through_resend(self) -> bool:
        """A Resend key aimed at Resend itself: real emails to real people."""
        host = (urlsplit(self.resend_api_url).hostname or "").lower()
        return bool(self.resend_api_key) and (host == "resend.com" or host.endswith(".resend.com"))

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def email_dir(self) -> Path:
        return self.data_dir / "emails"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def opt(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        try:
            environment = Environment(
                env.get("TAILTRIBE_ENV", "development").strip() or "development"
            )
        except ValueError as exc:
            raise ConfigError(
                f"TAILTRIBE_ENV must be one of {[e.value for e in Environment]}"
            ) from exc
        data_dir = Path(opt("TAILTRIBE_DATA_DIR") or DEFAULT_DATA_DIR)
        database_url = _async_database_url(
            opt("DATABASE_URL") or f"sqlite:///{data_dir / DATABASE_FILE}"
        )
        direct_url = _async_database_url(opt("DIRECT_URL") or database_url)
        if "true" in (v.lower() for v in parse_qs(urlsplit(direct_url).query).get("pgbouncer", [])):
            # Migrations hold locks across statements: not through a transaction pooler.
            raise ConfigError(
                "with DATABASE_URL ...?pgbouncer=true, set DIRECT_URL to the database itself"
            )
        try:
            commission = CommissionRate.parse(opt("PLATFORM_COMMISSION_PERCENTAGE") or "20")
        except InvalidInput as exc:
            raise ConfigError(f"PLATFORM_COMMISSION_PERCENTAGE: {exc}") from exc
        origins = tuple(
            o.strip() for o in (opt("CORS_ALLOWED_ORIGINS") or "").split(",") if o.strip()
        )
        settings = cls(
            env=environment,
            data_dir=data_dir,
            database_url=database_url,
            direct_url=direct_url,
            redis_url=opt("REDIS_URL"),
            secret_key=opt("TAILTRIBE_SECRET_KEY")
            or (_local_secret(data_dir) if database_url.startswith("sqlite") else DEFAULT_SECRET),
            app_url=(opt("APP_URL") or opt("NEXT_PUBLIC_APP_URL") or DEFAULT_APP_URL).rstrip("/"),
            commission=commission,
            stripe_secret_key=opt("STRIPE_SECRET_KEY"),
            stripe_publishable_key=opt("STRIPE_PUBLISHABLE_KEY"),
            stripe_webhook_secret=opt("STRIPE_WEBHOOK_SECRET"),
            stripe_api_base=opt("STRIPE_API_BASE"),
            google_client_id=opt("GOOGLE_CLIENT_ID"),
            google_client_secret=opt("GOOGLE_CLIENT_SECRET"),
            google_discovery_url=opt("GOOGLE_DISCOVERY_URL") or GOOGLE_DISCOVERY_URL,
            s3_bucket=opt("S3_BUCKET"),
            s3_endpoint_url=opt("S3_ENDPOINT_URL"),
            s3_access_key_id=opt("S3_ACCESS_KEY_ID") or opt("AWS_ACCESS_KEY_ID"),
            s3_secret_access_key=opt("S3_SECRET_ACCESS_KEY") or opt("AWS_SECRET_ACCESS_KEY"),
            s3_region=opt("S3_REGION") or opt("AWS_REGION"),
            media_base_url=(opt("MEDIA_BASE_URL") or "").rstrip("/") or None,
            resend_api_key=opt("RESEND_API_KEY"),
            resend_api_url=opt("RESEND_API_URL") or DEFAULT_RESEND_API_URL,
            email_from=opt("EMAIL_FROM") or DEFAULT_EMAIL_FROM,
            sentry_dsn=opt("SENTRY_DSN"),
            metrics_token=opt("METRICS_TOKEN"),
            cors_allowed_origins=origins,
            db_pool_size=_int(env, "DB_POOL_SIZE", 20, 1, 1000),
            db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 0, 0, 1000),
            db_pool_timeout_seconds=_int(env, "DB_POOL_TIMEOUT_SECONDS", 10, 1, 600),
            rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000),
            auth_rate_limit_per_minute=_int(env, "AUTH_RATE_LIMIT_PER_MINUTE", 20, 1, 1_000_000),
            login_failures_per_account=_int(env, "LOGIN_FAILURES_PER_ACCOUNT", 10, 1, 1_000),
            dispute_window_hours=_int(env, "DISPUTE_WINDOW_HOURS", 48, 0, 24 * 60),
            access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 12 * 60, 1, 30 * 24 * 60),
            live_token_recheck_seconds=_int(env, "LIVE_TOKEN_RECHECK_SECONDS", 60, 1, 3600),
            user_cache_seconds=_int(env, "USER_CACHE_SECONDS", 5, 0, 300),
            client_ip_header=opt("CLIENT_IP_HEADER"),
            client_ip_trusted_hops=_int(env, "CLIENT_IP_TRUSTED_HOPS", 1, 1, 10),
            worker_grace_seconds=_int(env, "WORKER_GRACE_SECONDS", 30, 0, 3600),
            platform_legal_name=opt("PLATFORM_LEGAL_NAME") or "",
            platform_street=opt("PLATFORM_STREET") or "",
            platform_postcode=opt("PLATFORM_POSTCODE") or "",
            platform_city=opt("PLATFORM_CITY") or "",
            platform_country=(opt("PLATFORM_COUNTRY") or DEFAULT_PLATFORM.country).upper(),
            platform_enterprise_number=opt("PLATFORM_ENTERPRISE_NUMBER"),
            platform_vat_number=opt("PLATFORM_VAT_NUMBER"),
            platform_vat_rate=_int(env, "PLATFORM_VAT_RATE", DEFAULT_VAT_RATE, 0, 100),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse configurations that would be unsafe to run.

        The published development secrets are only ever accepted for the
        embedded SQLite file and for test mode: anything with a shared
        database or a Stripe key must bring its own.
        """
        live_key = bool(
            self.stripe_secret_key and self.stripe_secret_key.startswith(("sk_live", "rk_live"))
        )
        if self.env is Environment.TEST and (live_key or self.sends_through_resend):
            # Test mode moves the clock through an open endpoint: never with real
            # money or mail. A stand-in of Resend's API (RESEND_API_URL) is fine.
            raise ConfigError(
                "TAILTRIBE_ENV=test cannot run with a live Stripe key or Resend's own API"
            )
        modes = {
            key.split("_")[1]
            for key in (self.stripe_secret_key, self.stripe_publishable_key)
            if key and key.count("_") >= 2
        }
        if len(modes) > 1:
            raise ConfigError("STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY mix test and live mode")
        if self.env is Environment.PRODUCTION and self.embedded:
            raise ConfigError("production needs DATABASE_URL pointing at PostgreSQL")
        shared = not self.embedded or self.stripe_secret_key is not None
        if self.env is Environment.TEST or not shared:
            return
        if (
            self.secret_key == DEFAULT_SECRET
            or len(self.secret_key) < 32
            or estimated_bits(self.secret_key) < MIN_SECRET_BITS
        ):
            raise ConfigError(
                f"TAILTRIBE_SECRET_KEY must be set to at least 32 random characters, "
                f"about {MIN_SECRET_BITS} bits or more "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not self.stripe_webhook_secret:
            raise ConfigError("STRIPE_WEBHOOK_SECRET must be set (Stripe dashboard, webhooks)")
        if self.env is Environment.PRODUCTION and not self.metrics_token:
            # /metrics tells payouts and bookings: only the scraper may read it.
            raise ConfigError(
                "production needs METRICS_TOKEN (Prometheus sends it as a bearer token)"
            )
        if self.webhook_secret == DEV_WEBHOOK_SECRET or DEFAULT_SECRET in self.secret_key:
            raise ConfigError("the development secrets are published: set your own")
        if self.env is Environment.PRODUCTION and not self.resend_api_key:
            # Without it, emails (reset links among them) would go to a folder.
            raise ConfigError("production needs RESEND_API_KEY")
        if self.env is Environment.PRODUCTION and (
            not self.stripe_secret_key or self.stripe_api_base
        ):
            # Without it the simulated gateway would accept every payment and move no money.
            raise ConfigError("production needs STRIPE_SECRET_KEY, and Stripe's own API")
        if self.env is Environment.PRODUCTION:
            self._validate_company()

    def _validate_company(self) -> None:
        """Receipts and invoices must name the company that issues them
        (docs/documents.md): never the demo's, never without its numbers."""
        missing = [
            name
            for name, value in (
                ("PLATFORM_LEGAL_NAME", bool(self.platform_legal_name)),
                ("PLATFORM_STREET", bool(self.platform_street)),
                ("PLATFORM_POSTCODE", bool(self.platform_postcode)),
                ("PLATFORM_CITY", bool(self.platform_city)),
                ("PLATFORM_ENTERPRISE_NUMBER", bool(self.platform_enterprise_number)),
                ("PLATFORM_VAT_NUMBER", bool(self.platform_vat_number)),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "production issues invoices: set the company's legal details "
                f"({', '.join(missing)}; docs/documents.md)"
            )
