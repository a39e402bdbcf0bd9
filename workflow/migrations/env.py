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
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=migrated_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
engine.dispose()
