from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tailtribe.config import DEFAULT_SECRET, ConfigError, Environment, Settings

# A key as the error message says to make one (secrets.token_urlsafe(48)).
STRONG = "q3ZsT1r8m0WkXy5bN2vCe7HdLpA9uJf4GhR6iOtY-_Ks0zQwEaVx1nBcM8lDgFjP"
OWN_SECRETS = {"TAILTRIBE_SECRET_KEY": STRONG, "STRIPE_WEBHOOK_SECRET": "whsec_own"}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The embedded mode keeps a generated key in its data folder.
    monkeypatch.chdir(tmp_path)


def test_no_environment_means_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.database_url == "sqlite+aiosqlite:///var/tailtribe.db"
    assert settings.embedded and settings.redis_url is None
    assert settings.commission.percent == Decimal(20)
    assert settings.rate_limit_per_minute == 600


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/tt", "postgresql+asyncpg://u:p@db:5432/tt"),
        ("postgresql://u@db/tt?sslmode=require", "postgresql+asyncpg://u@db/tt?sslmode=require"),
        ("postgresql+asyncpg://u@db/tt", "postgresql+asyncpg://u@db/tt"),
        ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": given, **OWN_SECRETS})
    assert settings.database_url == expected
    assert settings.direct_url == expected  # DIRECT_URL defaults to DATABASE_URL


def test_direct_url_is_kept_apart_for_migrations() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@pooler/tt?pgbouncer=true",
            "DIRECT_URL": "postgresql://u@db/tt",
            **OWN_SECRETS,
        }
    )
    assert settings.direct_url == "postgresql+asyncpg://u@db/tt"


def test_the_connection_pool_never_overflows_by_default() -> None:
    # Overflow connections are closed on return: under load they churn.
    settings = Settings.from_env({})
    assert (settings.db_pool_size, settings.db_max_overflow) == (20, 0)
    assert settings.db_pool_timeout_seconds == 10
    sized = Settings.from_env(
        {"DB_POOL_SIZE": "5", "DB_MAX_OVERFLOW": "2", "DB_POOL_TIMEOUT_SECONDS": "3"}
    )
    assert (sized.db_pool_size, sized.db_max_overflow, sized.db_pool_timeout_seconds) == (5, 2, 3)


def test_the_token_user_is_kept_five_seconds_unless_told() -> None:
    assert Settings.from_env({}).user_cache_seconds == 5
    assert Settings.from_env({"USER_CACHE_SECONDS": "0"}).user_cache_seconds == 0


@pytest.mark.parametrize("rate", ["17.5", "0", "100"])
def test_commission_percentage_is_exact(rate: str) -> None:
    assert Settings.from_env(
        {"PLATFORM_COMMISSION_PERCENTAGE": rate}
    ).commission.percent == Decimal(rate)


@pytest.mark.parametrize(
    "env",
    [
        {"PLATFORM_COMMISSION_PERCENTAGE": "120"},
        {"PLATFORM_COMMISSION_PERCENTAGE": "twenty"},
        {"RATE_LIMIT_PER_MINUTE": "0"},
        {"RATE_LIMIT_PER_MINUTE": "many"},
        {"DB_POOL_SIZE": "0"},
        {"DB_MAX_OVERFLOW": "-1"},
        {"USER_CACHE_SECONDS": "-1"},
        {"TAILTRIBE_ENV": "staging"},
        {"TAILTRIBE_ENV": "test", "STRIPE_SECRET_KEY": "sk_live_123"},
        {"TAILTRIBE_ENV": "test", "RESEND_API_KEY": "re_from_the_dashboard"},
        {  # /metrics open to anyone
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
            "RESEND_API_KEY": "re_from_the_dashboard",
        },
        {  # the published development webhook secret
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_tailtribe_development",
        },
        {  # the published development secret, lengthened
            "TAILTRIBE_SECRET_KEY": DEFAULT_SECRET + "x" * 8,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
        },
        {"DATABASE_URL": "postgresql://u@pooler:6543/tt?pgbouncer=true"},  # no DIRECT_URL
        {  # a live secret key beside a test publishable key
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
            "RESEND_API_KEY": "re_from_the_dashboard",
            "STRIPE_SECRET_KEY": "sk_live_abc",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_abc",
        },
        {
            "STRIPE_SECRET_KEY": "sk_test_abc",
            "STRIPE_PUBLISHABLE_KEY": "pk_live_abc",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
        },
        {"TAILTRIBE_ENV": "production", "DATABASE_URL": "postgresql://u@db/tt"},
        {
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": "short",
            "DATABASE_URL": "postgresql://db/tt",
        },
        {"TAILTRIBE_ENV": "production", "TAILTRIBE_SECRET_KEY": STRONG},
        {
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
        },
        {  # no way to send emails
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
        },
    ],
)
def test_unsafe_or_malformed_configuration_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


# What production needs printed on its invoices (docs/documents.md).
COMPANY = {
    "PLATFORM_LEGAL_NAME": "Staart BV",
    "PLATFORM_STREET": "Meir 1",
    "PLATFORM_POSTCODE": "2000",
    "PLATFORM_CITY": "Antwerpen",
    "PLATFORM_ENTERPRISE_NUMBER": "0123.456.749",
    "PLATFORM_VAT_NUMBER": "BE0123456749",
}


def test_production_with_a_real_secret_and_postgres_starts() -> None:
    settings = Settings.from_env(
        {
            **COMPANY,
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
            "RESEND_API_KEY": "re_from_the_dashboard",
            "METRICS_TOKEN": "scrape-me",
            "STRIPE_SECRET_KEY": "sk_live_abc",
        }
    )
    assert settings.env is Environment.PRODUCTION and not settings.embedded
    matching = Settings.from_env(
        {
            **COMPANY,
            "TAILTRIBE_ENV": "production",
            "TAILTRIBE_SECRET_KEY": STRONG,
            "DATABASE_URL": "postgresql://db/tt",
            "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
            "RESEND_API_KEY": "re_from_the_dashboard",
            "STRIPE_SECRET_KEY": "sk_live_abc",
            "STRIPE_PUBLISHABLE_KEY": "pk_live_abc",
            "METRICS_TOKEN": "scrape-me",
        }
    )
    assert matching.stripe_secret_key == "sk_live_abc" and matching.metrics_token == "scrape-me"


def test_cors_origins_are_a_list() -> None:
    settings = Settings.from_env(
        {"CORS_ALLOWED_ORIGINS": "https://tailtribe.be, https://www.tailtribe.be,"}
    )
    assert settings.cors_allowed_origins == ("https://tailtribe.be", "https://www.tailtribe.be")


def test_embedded_mode_makes_and_keeps_its_own_secret(tmp_path: Path) -> None:
    first = Settings.from_env({"TAILTRIBE_DATA_DIR": str(tmp_path / "a")})
    again = Settings.from_env({"TAILTRIBE_DATA_DIR": str(tmp_path / "a")})
    other = Settings.from_env({"TAILTRIBE_DATA_DIR": str(tmp_path / "b")})
    assert first.secret_key == again.secret_key != other.secret_key
    assert len(first.secret_key) >= 32 and first.secret_key != DEFAULT_SECRET
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o077 == 0


def test_test_mode_may_use_the_development_secrets_on_postgres() -> None:
    settings = Settings.from_env({"TAILTRIBE_ENV": "test", "DATABASE_URL": "postgresql://db/tt"})
    assert settings.secret_key == DEFAULT_SECRET


@pytest.mark.parametrize(
    "stripe",
    [{}, {"STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_API_BASE": "http://127.0.0.1:12111"}],
)
def test_production_refuses_the_simulated_gateway_and_a_stand_in(stripe: dict[str, str]) -> None:
    # Without Stripe's own API the payments would be simulated: no money would move.
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        Settings.from_env(
            {
                "TAILTRIBE_ENV": "production",
                "TAILTRIBE_SECRET_KEY": STRONG,
                "DATABASE_URL": "postgresql://db/tt",
                "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
                "RESEND_API_KEY": "re_from_the_dashboard",
                "METRICS_TOKEN": "scrape-me",
                **stripe,
            }
        )


PRODUCTION = {
    **COMPANY,
    "TAILTRIBE_ENV": "production",
    "DATABASE_URL": "postgresql://db/tt",
    "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
    "RESEND_API_KEY": "re_from_the_dashboard",
    "METRICS_TOKEN": "scrape-me",
    "STRIPE_SECRET_KEY": "sk_live_abc",
}


@pytest.mark.parametrize(
    "key",
    [
        "x" * 32,
        "x" * 200,
        "ab" * 32,
        "0123456789" * 4,
        "passwordpasswordpasswordpassword",
        "1" * 31 + "2",
    ],
)
def test_production_refuses_a_long_but_predictable_secret_key(key: str) -> None:
    with pytest.raises(ConfigError, match="TAILTRIBE_SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "TAILTRIBE_SECRET_KEY": key})


def test_production_takes_the_secret_keys_the_error_message_suggests() -> None:
    import secrets

    for _ in range(200):
        for key in (secrets.token_urlsafe(48), secrets.token_hex(32)):
            assert Settings.from_env({**PRODUCTION, "TAILTRIBE_SECRET_KEY": key}).secret_key == key


@pytest.mark.parametrize(
    "url", ["https://api.resend.com", "https://api.resend.com/", "https://API.Resend.com/emails"]
)
def test_test_mode_refuses_resend_itself(url: str) -> None:
    with pytest.raises(ConfigError, match="Resend"):
        Settings.from_env(
            {"TAILTRIBE_ENV": "test", "RESEND_API_KEY": "re_x", "RESEND_API_URL": url}
        )


def test_test_mode_takes_a_resend_key_for_a_stand_in() -> None:
    settings = Settings.from_env(
        {
            "TAILTRIBE_ENV": "test",
            "RESEND_API_KEY": "re_standin",
            "RESEND_API_URL": "http://127.0.0.1:4010",
        }
    )
    assert settings.resend_api_key == "re_standin"
    assert settings.resend_api_url == "http://127.0.0.1:4010"


@pytest.mark.parametrize("left_out", sorted(COMPANY))
def test_production_refuses_to_issue_invoices_without_the_company(left_out: str) -> None:
    env = {**PRODUCTION, "TAILTRIBE_SECRET_KEY": STRONG}
    assert Settings.from_env(env).platform_party.vat_number == COMPANY["PLATFORM_VAT_NUMBER"]
    with pytest.raises(ConfigError, match=left_out):
        Settings.from_env({k: v for k, v in env.items() if k != left_out})
    # A real company may well sit at the demo's postcode and city.
    brussels = {**env, "PLATFORM_POSTCODE": "1000", "PLATFORM_CITY": "Brussel"}
    assert Settings.from_env(brussels).platform_party.city == "Brussel"
