"""The API described by its own code: each endpoint declares its request and answer models (each feature's
schemas.py and answers.py) with @described, which checks the request against them; /api/v1/openapi.json is generated
from the same declarations, so the description cannot drift from the code."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, jsonify, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from workflow.errors import Invalid
from workflow.web import answers, schemas
from workflow.web import context as web

# What a file answer or upload is, by media type.
PDF, PNG, XML, PEM = "application/pdf", "image/png", "application/xml", "application/x-pem-file"


@dataclass(frozen=True)
class Operation:
    """What one endpoint takes and answers."""

    answers: Mapping[int, type[BaseModel] | str]  # per status: the answer's model, or a file's media type
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # A file it takes as the multipart field "file" (None: no file), or as the raw body in these media types.
    upload: tuple[str, ...] | None = None
    public: bool = False  # needs no bearer token
    # A multipart form must carry the file: what to say when it does not (checked before the form's fields).
    file_missing: str | None = None
    path_enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Files its 200 may be instead of JSON, when asked (?format=): their media types.
    files: tuple[str, ...] = ()


def described(
    *,
    answers: Mapping[int, type[BaseModel] | str],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    upload: tuple[str, ...] | None = None,
    public: bool = False,
    path_enums: Mapping[str, tuple[str, ...]] | None = None,
    file_missing: str | None = None,
    files: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint's request and answers; the view gets `body=` and `query=` parsed into their models
    (the fields of a multipart form when it also takes a file), or the client a 400 naming the field."""
    operation = Operation(
        answers=answers,
        body=body,
        query=query,
        upload=upload,
        public=public,
        file_missing=file_missing,
        path_enums=path_enums or {},
        files=files,
    )

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def run(**kwargs: Any) -> Any:
            try:
                if query is not None:
                    kwargs["query"] = schemas.parse(query, request.args.to_dict(), web.runtime().settings)
                multipart = request.mimetype == "multipart/form-data"
                if multipart and file_missing is not None and "file" not in request.files:
                    raise Invalid("missing_file", file_missing, field="file")
                if body is not None:
                    data = request.form.to_dict() if multipart else web.body_json()
                    kwargs["body"] = schemas.parse(body, data, web.runtime().settings)
            except Invalid:
                if not public:
                    web.person_id()  # who asks comes first: without a valid token the answer is 401, not 400
                raise
            return served(view(**kwargs))

        def served(result: Any) -> Any:
            # The answer is built from a model; it must be the model declared for its status, so what is served
            # and what /api/v1/openapi.json describes cannot differ.
            if not (isinstance(result, tuple) and result and isinstance(result[0], BaseModel)):
                return result  # a file, or a redirect
            answer, status = result
            if type(answer) is not answers.get(status):
                raise TypeError(f"{view.__name__} answers {status} with {type(answer).__name__}, not as declared")
            # A field with a default that the view did not set (a secret shown only once) is left out.
            return jsonify(answer.model_dump(mode="json", exclude_unset=True)), status

        run.operation = operation  # type: ignore[attr-defined]
        return run

    return wrap


def operation_of(app: Flask, endpoint: str) -> Operation | None:
    """The declaration of an endpoint (None: not part of the described API)."""
    view = app.view_functions.get(endpoint)
    found: Operation | None = getattr(view, "operation", None)
    return found


def api_rules(app: Flask) -> list[tuple[str, str, str]]:
    """Every (method, rule, endpoint) of the JSON API in the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, rule.endpoint))
    return found


def spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 description of /api/v1, generated from every endpoint's declaration."""
    models: set[type[BaseModel]] = {answers.Error}
    paths: dict[str, dict[str, Any]] = {}
    operations = []
    for method, rule, endpoint in api_rules(app):
        operation = operation_of(app, endpoint)
        if operation is None:
            continue
        operations.append((method, rule, endpoint, operation))
        models.update(m for m in operation.answers.values() if not isinstance(m, str))
        models.update(m for m in (operation.body,) if m is not None)
    keys, definitions = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    for method, rule, endpoint, operation in operations:
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)
        paths.setdefault(path, {})[method.lower()] = _operation(app, endpoint, rule, operation, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "congvan API",
            "version": "1",
            "description": "Quản lý văn bản đi và đến: soạn, duyệt, ký số, phát hành, gửi và theo dõi tiếp nhận.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": definitions.get("$defs", {}),
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _operation(app: Flask, endpoint: str, rule: str, operation: Operation, keys: Mapping[Any, Any]) -> dict[str, Any]:
    view = app.view_functions[endpoint]
    summary = (view.__doc__ or endpoint).strip().split("\n\n")[0].replace("\n", " ")
    described: dict[str, Any] = {"operationId": endpoint.replace(".", "_"), "summary": summary}
    if operation.public:
        described["security"] = []
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": list(operation.path_enums[name])}
            if name in operation.path_enums
            else {"type": "integer"},
        }
        for name in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
    ]
    if operation.query is not None:
        query = operation.query.model_json_schema()
        for name, schema in query.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in query.get("required", []), "schema": schema}
            )
    if parameters:
        described["parameters"] = parameters
    content: dict[str, Any] = {}
    if operation.body is not None:
        content["application/json"] = {"schema": keys[(operation.body, "validation")]}
    for media in operation.upload or ():
        content[media] = {"schema": {"type": "string", "format": "binary"}}
    if operation.upload is not None:
        fields: dict[str, Any] = {"file": {"type": "string", "format": "binary"}}
        if operation.body is not None:
            fields["fields"] = {"description": "Các trường như ở application/json, dạng trường của biểu mẫu"}
        content["multipart/form-data"] = {"schema": {"type": "object", "properties": fields}}
    if content:
        described["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    for status, answer in operation.answers.items():
        if isinstance(answer, str):
            responses[str(status)] = {
                "description": answer,
                "content": {answer: {"schema": {"type": "string", "format": "binary"}}},
            }
        else:
            binary = {"schema": {"type": "string", "format": "binary"}}
            alternatives = {media: binary for media in operation.files} if status == 200 else {}
            responses[str(status)] = {
                "description": (answer.__doc__ or "").strip() or "OK",
                "content": {"application/json": {"schema": keys[(answer, "validation")]}, **alternatives},
            }
    error = {"content": {"application/json": {"schema": keys[(answers.Error, "validation")]}}}
    responses["4XX"] = {"description": "Yêu cầu bị từ chối (thông báo tiếng Việt, mã lỗi ổn định)", **error}
    responses["5XX"] = {"description": "Lỗi của hệ thống hoặc dịch vụ phụ thuộc", **error}
    described["responses"] = responses
    return described
