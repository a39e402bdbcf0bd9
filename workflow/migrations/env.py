"""Alembic environment: the database URL comes from congvan's configuration."""

from __future__ import annotations

import importlib

from alembic import context

from workflow import config as config_module
from workflow.db import make_engine, migrated_object
from workflow.models import Base

for module in context.config.get_main_option("congvan_model_modules", "").split():
    importlib.import_module(module)

url = context.config.attributes.get("database_url") or config_module.load().database_url
engine = make_engine(url)
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table's constraints only by copying it, which drops the table other rows point at:
        # foreign keys are off while the migrations run (it can only be set outside a transaction, hence on the
        # driver's connection) and every reference is checked before the migrations commit.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        include_object=migrated_object,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migrations would leave rows pointing at nothing: {broken[:5]}")
    connection.commit()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
engine.dispose()
