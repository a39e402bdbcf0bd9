"""The API's description is generated from the endpoints' own models: every route of /api/v1 is in it with its
request and answer shapes, it is a valid OpenAPI 3.1 document, and bad requests are refused by field."""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest
from flask import Flask
from openapi_spec_validator import validate

from signing import validation
from tests.support.api import Api
from workflow.documents import answers
from workflow.web import openapi


def test_every_route_is_described_with_its_shapes(app: Flask, api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    validate(spec)  # a valid OpenAPI 3.1 document
    routes = set()
    for method, rule, endpoint in openapi.api_rules(app):
        operation = openapi.operation_of(app, endpoint)
        assert operation is not None, f"{method} {rule} ({endpoint}) không có @described"
        routes.add((re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), method.lower()))
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes == described
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            answers = {k: v for k, v in operation["responses"].items() if k[0] == "2"}
            assert answers, (method, path)
            for answer in answers.values():
                (media, content), *_ = answer["content"].items()
                ref = content["schema"].get("$ref")
                if media == "application/json":
                    assert ref and ref.rsplit("/", 1)[1] in schemas, (method, path)
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
            if method in ("post", "put") and "requestBody" in operation:
                assert operation["requestBody"]["content"], (method, path)
    draft = spec["paths"]["/api/v1/documents"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    fields = schemas[draft["$ref"].rsplit("/", 1)[1]]
    assert {"doc_type", "summary", "signer_id"} <= set(fields["required"])
    assert "cong_van" in fields["properties"]["doc_type"]["enum"]
    assert fields["properties"]["doc_type"]["x-error-code"] == "invalid_doc_type"
    query = spec["paths"]["/api/v1/documents"]["get"]["parameters"]
    assert {"q", "type", "unit", "state", "from", "to", "limit", "before"} <= {p["name"] for p in query}
    document = schemas["DocumentOut"]
    assert document["additionalProperties"] is False and "current_version" in document["properties"]


def test_a_wrong_field_is_named_in_vietnamese(api: Api) -> None:
    cases = [
        ("POST", "/api/v1/signing-batches", {"document_ids": ["một"]}, "invalid_field", "document_ids.0"),
        ("POST", "/api/v1/signing-batches", {"leader_id": "ông giám đốc"}, "invalid_field", "leader_id"),
        ("POST", "/api/v1/documents/1/comments", {"body": ["không phải chữ"]}, "invalid_field", "body"),
        (
            "POST",
            "/api/v1/documents",
            {"doc_type": "cong_van", "summary": "   ", "signer_id": 1},
            "missing_field",
            "summary",
        ),
        ("POST", "/api/v1/auth/logout", None, None, None),
    ]
    for method, path, body, code, field in cases:
        response = api.as_("vanthu", method, path, json=body)
        answer = response.get_json()
        if code is None:
            assert response.status_code == 200
            continue
        assert response.status_code == 400, answer
        assert answer["error"]["code"] == code and answer["error"]["detail"]["field"] == field, answer
        assert field.split(".")[0] in answer["error"]["message"]
    refused = api.client.post("/api/v1/auth/login", json={"username": "vanthu"})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == {
        "code": "missing_field",
        "message": "Thiếu mật khẩu (password).",
        "detail": {"field": "password"},
    }
    # Who asks comes first: a bad body without a token is 401, not a 400 that tells the shape.
    anonymous = api.client.post("/api/v1/signing-batches", json={"document_ids": "x"})
    assert anonymous.status_code == 401


def test_an_answer_is_served_only_as_its_declared_model() -> None:
    # A view returns its answer's model; @described serves it only if it is the one declared for that status.
    from flask import Flask

    from workflow.notifications.answers import Read
    from workflow.web.answers import Done
    from workflow.web.openapi import described

    app = Flask(__name__)
    app.testing = True  # the view's exception reaches the test

    @app.get("/declared")
    @described(answers={200: Done}, public=True)
    def declared() -> tuple[Done, int]:
        return Done(ok=True), 200

    @app.get("/other")
    @described(answers={200: Done}, public=True)
    def other() -> tuple[Read, int]:
        return Read(id=1, read=True), 200

    client = app.test_client()
    assert client.get("/declared").get_json() == {"ok": True}
    with pytest.raises(TypeError, match="not as declared"):
        client.get("/other")


@pytest.mark.parametrize(
    ("answer", "check", "first", "last"),
    [
        ("SignatureOut", "SignatureCheck", ["verdict", "covers"], ["ok"]),
        ("TimestampOut", "TimestampCheck", ["verdict"], []),
    ],
)
def test_a_signature_answer_has_the_fields_of_the_check_it_shows(
    answer: str, check: str, first: list[str], last: list[str]
) -> None:
    # The answer models are the API's contract for the signing adapter's dataclasses: they cannot drift apart.
    model, source = getattr(answers, answer), getattr(validation, check)
    fields = [f.name for f in dataclasses.fields(source)]
    assert list(model.model_fields) == [*first, *fields, *last]
    hints = typing.get_type_hints(source)
    for name in fields:
        assert model.model_fields[name].annotation == hints[name], name
    example = source(**{f.name: _example(hints[f.name]) for f in dataclasses.fields(source)})
    assert list(model.model_validate(example.as_dict()).model_dump()) == list(example.as_dict())


def _example(kind: object) -> object:
    """A value of the type (None for an optional one)."""
    examples: dict[object, object] = {str: "x", bool: True, list: [], dict: {}}
    return examples.get(typing.get_origin(kind) or kind)
