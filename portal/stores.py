"""The two stores: engine set-up for SQLite (WAL, busy timeout, writes that wait) and helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

STORES = ("personal", "responses")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


def writes_on_get(view: F) -> F:
    """Mark a GET view that writes, so its SQLite transactions take the write lock at once."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def wants_write_lock() -> bool:
    # Outside a request (CLI, jobs) every transaction may write. Inside one, POSTs and views
    # marked with ``writes_on_get`` do; plain page views only read and must not queue behind
    # writers for the whole request.
    if not has_request_context():
        return True
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))


def configure_engines(app: Flask) -> None:
    """Apply SQLite pragmas and ``BEGIN IMMEDIATE`` to every SQLite engine of the app."""
    busy_ms = int(float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]) * 1000)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine, busy_ms)


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left in free space of the file: flushed
        # pending submissions and old draft versions leave nothing to read (portal/mixing.py).
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another writer got in between; IMMEDIATE waits for the lock instead.
        # Connections opened with ``portal_read_only`` (exports) never take the write lock: a
        # long export must not hold up parents who are submitting.
        options = connection.get_execution_options()
        if options.get("portal_single_read"):
            return  # one SELECT is consistent on its own; BEGIN would only add a round trip
        write = not options.get("portal_read_only", False) and wants_write_lock()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def truncate_wal(store: str, timeout_s: float | None = None) -> bool:
    """SQLite: checkpoint the store's write-ahead log into the file and truncate it to zero
    bytes, so old versions of deleted or changed rows are not left in its frames. True when
    done (and always on PostgreSQL); False if readers kept it busy past the timeout."""
    engine = db.engines[store]
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        # No BEGIN: a checkpoint cannot run inside a transaction.
        connection = connection.execution_options(portal_single_read=True)
        if timeout_s is not None:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        try:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        finally:
            if timeout_s is not None:
                busy_ms = int(float(current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]) * 1000)
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_ms}")
    return busy == 0


def create_all() -> None:
    """Create both stores' tables directly (tests); deployments use ``flask db upgrade``."""
    db.create_all(bind_key=list(STORES))
