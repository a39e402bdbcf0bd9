"""The JSON API's own description: /api/v1/openapi.json, generated from the endpoints' declarations."""

from __future__ import annotations

from flask import Blueprint, current_app

from workflow.web import openapi
from workflow.web.answers import Described
from workflow.web.context import Answered, ok
from workflow.web.openapi import described

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@described(answers={200: Described}, public=True)
def openapi_spec() -> Answered:
    """The OpenAPI description of this API, generated from the endpoints' own models."""
    # Generated once per process: the description is the code's, and the code does not change while it runs.
    described = current_app.extensions.get("openapi") or current_app.extensions.setdefault(
        "openapi", openapi.spec(current_app)
    )
    return ok(Described.model_validate(described))
