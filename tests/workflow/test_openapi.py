"""Every API route is described in /api/v1/openapi.json, and nothing else is."""

from __future__ import annotations

import re

from flask import Flask

from tests.support.api import Api


def test_every_route_is_documented(app: Flask, api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "static":
            path = re.sub(
                r"<(?:\w+:)?(\w+)>",
                lambda m: f"{{{m.group(1)}}}" if m.group(1) in ("action", "seq") else "{id}",
                rule.rule,
            )
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes == documented
