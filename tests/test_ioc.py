"""The container resolves every type it provides, at its scope, in every mode.

Nothing here touches a database, Redis or Stripe: building clients does not
connect. A provider whose dependency went missing, or a controller asking for
a type no provider serves, fails here rather than on the first request.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import pytest
from dishka import BaseScope, FromDishka, Scope
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

import tailtribe.entrypoints
from tailtribe.config import Environment, Settings
from tailtribe.ioc import make_container, providers
from tests.conftest import REDIS_URL

# The marker FromDishka[...] puts in Annotated: the default component's.
FROM_DISHKA = get_args(FromDishka[object])[1]  # type: ignore[misc]  # Annotated at runtime
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def embedded(tmp: Path, env: Environment) -> Settings:
    return Settings(env=env, data_dir=tmp, database_url=f"sqlite+aiosqlite:///{tmp / 'db.sqlite'}")


def postgresql(tmp: Path, env: Environment) -> Settings:
    """Every optional service configured: the adapters production runs."""
    return Settings(
        env=env,
        data_dir=tmp,
        database_url=POSTGRES_URL,
        redis_url=REDIS_URL,
        stripe_secret_key="sk_test_wiring",
        stripe_webhook_secret="whsec_wiring",
        google_client_id="client",
        google_client_secret="secret",
        s3_bucket="media",
        s3_endpoint_url="http://127.0.0.1:9",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
        s3_region="eu-west-1",
        media_base_url="https://media.example.be",
        resend_api_key="re_wiring",
    )


MODES = {
    "embedded": (embedded, Environment.DEVELOPMENT),
    "embedded-test-mode": (embedded, Environment.TEST),
    "postgresql": (postgresql, Environment.PRODUCTION),
    "postgresql-test-mode": (postgresql, Environment.TEST),
}


def provided(settings: Settings) -> dict[Any, BaseScope | None]:
    return {
        factory.provides.type_hint: factory.scope
        for provider in providers(settings)
        for factory in provider.factories
    }


@pytest.mark.parametrize("mode", MODES)
async def test_every_provided_type_resolves_at_its_scope(mode: str, tmp_path: Path) -> None:
    make, env = MODES[mode]
    settings = make(tmp_path, env)
    types = provided(settings)
    assert set(types.values()) == {Scope.APP, Scope.REQUEST}
    container = make_container(settings)
    try:
        for type_hint, scope in types.items():
            if scope is Scope.APP:
                assert await container.get(type_hint) is await container.get(type_hint)
        async with container() as request:
            for type_hint, scope in types.items():
                if scope is Scope.REQUEST:
                    await request.get(type_hint)
    finally:
        await container.close()


# A container or scope asked directly, as in `await scope.get(CreateAdmin)`.
GET_CALL = re.compile(r"\.get\(([A-Z]\w*)\)")


def _imported(source: str, name: str) -> object:
    """What `name` is, imported anywhere in the source (entrypoints import lazily)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return getattr(importlib.import_module(node.module), alias.name)
    return None


def _asked_for() -> set[Any]:
    """Every type the entrypoints take as FromDishka[...] or get from a scope."""
    asked: set[Any] = set()
    for info in pkgutil.walk_packages(tailtribe.entrypoints.__path__, "tailtribe.entrypoints."):
        module = importlib.import_module(info.name)
        source = Path(str(module.__file__)).read_text()
        for name in GET_CALL.findall(source):
            if inspect.isclass(value := _imported(source, name) or getattr(module, name, None)):
                asked.add(value)
        functions = [f for _, f in inspect.getmembers(module, inspect.isfunction)]
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                functions += [getattr(f, "fn", f) for f in vars(cls).values()]
        for function in functions:
            if not callable(function) or getattr(function, "__module__", None) != module.__name__:
                continue
            # dishka's inject hides the FromDishka parameters behind a wrapper.
            function = getattr(function, "__dishka_orig_func__", function)
            try:
                hints = get_type_hints(function, include_extras=True)
            except (NameError, TypeError):
                continue  # a hint only a type checker resolves
            for hint in hints.values():
                if get_origin(hint) is Annotated:
                    inner, *extras = get_args(hint)
                    if FROM_DISHKA in extras:
                        asked.add(inner)
    return asked


def test_every_type_an_entrypoint_asks_for_is_provided(tmp_path: Path) -> None:
    asked = _asked_for()
    assert len(asked) > 20  # the scan found the controllers
    for make, env in MODES.values():
        missing = asked - set(provided(make(tmp_path, env)))
        assert not missing, missing


async def test_the_engine_pool_is_sized_by_the_settings(tmp_path: Path) -> None:
    settings = replace(
        postgresql(tmp_path, Environment.PRODUCTION),
        db_pool_size=7,
        db_max_overflow=0,
        db_pool_timeout_seconds=4,
    )
    container = make_container(settings)
    try:
        pool = (await container.get(AsyncEngine)).pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool.timeout()) == (7, 4)
        assert pool._max_overflow == 0  # no public accessor
    finally:
        await container.close()
