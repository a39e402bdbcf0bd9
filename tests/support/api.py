"""The JSON API through Flask's test client as any demo user, and an app built on a fresh database."""

from __future__ import annotations

import atexit
import io
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel

from congvan import demo
from congvan.cli import upgrade_database
from congvan.demo_day import PASSWORD
from tests.support import processes
from workflow.web import answers, openapi
from wsgi import create_app

KEY_PASSPHRASE = "test-passphrase"
_db_counter = itertools.count(1)


def database_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the given kind."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/congvan.db"
    server = request.getfixturevalue("pg_server")
    return processes.create_database(server, f"t{next(_db_counter)}")


def check_answer(app: Flask, method: str, path: str, status: int, mimetype: str, payload: Any) -> str | None:
    """How an answer of the API differs from its description (None: it matches)."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except Exception:  # noqa: BLE001 - not a route (404/405): Flask's own answer
        return None
    if not path.startswith("/api/"):
        return None
    operation = openapi.operation_of(app, str(endpoint))
    if operation is None:
        return f"{method} {path}: không có mô tả (@described)"
    if status >= 400:
        model: type[BaseModel] | str = answers.Error
    elif status in operation.answers:
        model = operation.answers[status]
    else:
        return f"{method} {path}: trả lời {status} không có trong mô tả {sorted(operation.answers)}"
    if isinstance(model, str):
        return None if mimetype == model else f"{method} {path}: {mimetype} thay vì {model}"
    if status == 200 and mimetype in operation.files:
        return None  # a file it was asked for instead of JSON (?format=)
    if mimetype != "application/json":
        return f"{method} {path}: {mimetype} thay vì application/json"
    try:
        model.model_validate(payload)
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails with it
        return f"{method} {path} ({status}) không khớp {model.__name__}: {exc}"
    return None


class CheckedClient(FlaskClient):
    """Flask's test client, checking every answer of the JSON API against the API's own description (its
    answer models, or the error shape): a test that receives an answer the description does not allow fails."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        asked = response.request
        payload = response.get_json(silent=True) if response.mimetype == "application/json" else None
        problem = check_answer(
            self.application, asked.method, asked.path, response.status_code, response.mimetype, payload
        )
        assert problem is None, problem
        return response


def build_app(db_url: str, tmp_path: Path, keys_dir: Path, password_hash: str, **overrides: Any) -> Flask:
    """An app on a migrated database holding the demo directory."""
    config = {
        "DATABASE_URL": db_url,
        "FILES_DIR": str(tmp_path / "files"),
        "KEYS_DIR": str(keys_dir),
        "KEY_PASSPHRASE": KEY_PASSPHRASE,
        "JOB_MODE": "inline",
        "TESTING": True,
        **overrides,
    }
    # Files elsewhere (S3) would not hold the template's copied images: those apps load their own.
    elsewhere = any(name.startswith(("STORAGE", "S3", "FILES")) for name in overrides)
    copied = not elsewhere and _from_template(db_url, tmp_path, keys_dir, password_hash)
    if not copied:
        upgrade_database(db_url)
    app = create_app(config)
    app.test_client_class = CheckedClient
    if not copied:
        rt = app.extensions["congvan"]
        with rt.sessions() as session, session.begin():
            demo.load_directory(session, password_hash)
            demo.load_images(rt, session)
    return app


# One migrated database holding the demo directory (and its file store), made once per test process and kind of
# database, then copied for each app: the migrations and the directory took about a second per app.
_templates: dict[tuple[str, str], tuple[str, Path]] = {}


def _template(kind: str, db_url: str, keys_dir: Path, password_hash: str) -> tuple[str, Path]:
    """The template of this kind of database: its URL (a SQLite file or a PostgreSQL database), its files."""
    found = _templates.get((kind, password_hash))
    if found is not None:
        return found
    base = Path(tempfile.mkdtemp(prefix="congvan-template-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    if kind == "sqlite":
        url = f"sqlite:///{base}/congvan.db"
    else:
        name = f"template_{os.getpid()}_{len(_templates)}"
        url = processes.create_database(_server_of(db_url), name)
    config = {"DATABASE_URL": url, "FILES_DIR": str(base / "files"), "KEYS_DIR": str(keys_dir)}
    upgrade_database(url)
    rt = create_app(config | {"KEY_PASSPHRASE": KEY_PASSPHRASE, "TESTING": True}).extensions["congvan"]
    with rt.sessions() as session, session.begin():
        demo.load_directory(session, password_hash)
        demo.load_images(rt, session)
    rt.close()  # no connection left: PostgreSQL copies a template nobody is connected to
    _templates[(kind, password_hash)] = (url, base / "files")
    return url, base / "files"


def _server_of(db_url: str) -> str:
    """The maintenance database's address on a PostgreSQL server (libpq form), from a database's URL."""
    return db_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"


def _from_template(db_url: str, tmp_path: Path, keys_dir: Path, password_hash: str) -> bool:
    """Make a new, empty database a copy of the template (and the app's file store a copy of its files); False
    when the database is not new (an app started again on it) or of another kind."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        if path.exists():
            return False
        url, files = _template("sqlite", db_url, keys_dir, password_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(url.removeprefix("sqlite:///"), path)
    elif db_url.startswith("postgresql"):
        name = db_url.rsplit("/", 1)[1]
        with psycopg.connect(_server_of(db_url).rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        if tables is None or tables[0]:
            return False
        url, files = _template("postgresql", db_url, keys_dir, password_hash)
        with psycopg.connect(_server_of(db_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
    else:
        return False
    shutil.copytree(files, tmp_path / "files", dirs_exist_ok=True)
    return True


class Api:
    """The JSON API through Flask's test client, logged in as any demo user."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        self.people: dict[str, dict[str, Any]] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            response = self.client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            self.tokens[user], self.people[user] = body["token"], body["person"]
        return self.tokens[user]

    def id_of(self, user: str) -> int:
        self.token(user)
        return int(self.people[user]["id"])

    def __call__(self, method: str, path: str, token: str | None = None, json: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(path, method=method, json=json, headers=headers)
        return response.status_code, response.get_json()

    def as_(self, user: str, method: str, path: str, json: Any = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        return self.client.open(path, method=method, json=json, headers=headers, **kw)

    def draft(self, user: str = "chuyenvien", **overrides: Any) -> dict[str, Any]:
        payload = {
            "doc_type": "cong_van",
            "summary": "tiếp tục thực hiện công tác phòng, chống dịch COVID-19",
            "body": "Giám đốc Sở yêu cầu các phòng, đơn vị nghiêm túc thực hiện./.",
            "signer_id": self.id_of("giamdoc"),
            "kinh_gui": ["Các phòng, đơn vị trực thuộc Sở"],
            "noi_nhan": ["Như trên;", "UBND tỉnh (b/c);", "Lưu: VT, VP."],
        } | overrides
        response = self.as_(user, "POST", "/api/v1/documents", json=payload)
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def upload(self, pdf: bytes, signer: str = "giamdoc", **fields: str) -> dict[str, Any]:
        """A draft whose PDF was made elsewhere (multipart), by chuyenvien, for `signer` to sign."""
        form: dict[str, Any] = {
            "doc_type": "cong_van",
            "summary": "đôn đốc báo cáo",
            "signer_id": str(self.id_of(signer)),
            "kinh_gui": "Phòng Quản lý đất đai",
            "noi_nhan": "Như trên;\nLưu: VT, VP.",
        } | fields
        form["file"] = (io.BytesIO(pdf), "cong-van.pdf")
        response = self.as_("chuyenvien", "POST", "/api/v1/documents", data=form, content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def act(self, user: str, doc_id: int, action: str, reason: str | None = None) -> Any:
        """One lifecycle action; a signature is confirmed with the user's password, as the API asks."""
        body = ({"reason": reason} if reason else {}) | ({"password": PASSWORD} if action == "sign" else {})
        return self.as_(user, "POST", f"/api/v1/documents/{doc_id}/actions/{action}", json=body or None)

    def advance(self, doc_id: int, state: str) -> None:
        """Drive a document along the main path until it reaches the state."""
        path = [
            ("submit", "chuyenvien", "in_review"),
            ("approve", "truongphong", "awaiting_signature"),
            ("sign", "giamdoc", "signed"),
            ("issue", "vanthu", "dispatched"),
        ]
        alternatives = {
            "withdrawn": [("withdraw", "chuyenvien", "withdrawn")],
            "issued": [*path[:3], ("issue", "vanthu", "issued")],
            "recalled": [*path, ("recall", "vanthu", "recalled")],
        }
        steps = alternatives.get(state) or path
        order = ["drafting", *(reached for _, _, reached in steps)]
        for action, user, reached in steps:
            # The drafter (who takes the first step) sees the document in every state.
            current = self.as_("chuyenvien", "GET", f"/api/v1/documents/{doc_id}").get_json()["state"]
            if current == state:
                return
            if current in order and order.index(current) >= order.index(reached):
                continue  # this step was done before
            response = self.act(user, doc_id, action, "Lý do thu hồi." if action == "recall" else None)
            assert response.status_code == 200, response.get_json()
            if reached == state:
                return

    def drafted(self, count: int, state: str = "awaiting_signature", **overrides: Any) -> list[int]:
        """Ids of `count` new documents driven to the state ("văn bản thử nghiệm số 1", 2, …)."""
        ids = []
        for i in range(count):
            doc = self.draft(**{"summary": f"văn bản thử nghiệm số {i + 1}"} | overrides)
            self.advance(doc["id"], state)
            ids.append(int(doc["id"]))
        return ids
