"""Two throw-away PostgreSQL databases (personal, responses) with two roles, for one test run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


@contextmanager
def postgres_store_urls(admin_url: str, suffix: str) -> Iterator[dict[str, str]]:
    import psycopg

    url = make_url(admin_url).set(drivername="postgresql+psycopg")
    names = {store: f"portal_{store}_{suffix}" for store in ("personal", "responses")}
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            store: url.set(database=name).render_as_string(hide_password=False)
            for store, name in names.items()
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
