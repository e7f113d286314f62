"""Alembic environment for the two stores: one history, one version table in each database."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

STORES = ("personal", "responses")

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def run_migrations_offline():
    """Write each store's SQL to <store>.sql (``flask db upgrade --sql``)."""
    for name in STORES:
        with open(f"{name}.sql", "w") as buffer:
            context.configure(
                url=target_db.engines[name].url.render_as_string(hide_password=False),
                output_buffer=buffer,
                target_metadata=target_db.metadatas[name],
                literal_binds=True,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online():
    def skip_empty(context_, revision, directives):
        # Autogenerate without changes in either store writes no revision.
        autogenerate = getattr(config.cmd_opts, "autogenerate", False)
        if autogenerate and all(ops.is_empty() for ops in directives[0].upgrade_ops_list):
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    for name in STORES:
        with target_db.engines[name].connect() as connection:
            logger.info("Migrating the %s store", name)
            context.configure(
                connection=connection,
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=target_db.metadatas[name],
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
