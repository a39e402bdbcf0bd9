"""The web application: create_app() wires configuration, the runtime and the blueprints.

Serve with: gunicorn "wsgi:create_app()".
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy.exc
from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import routing
from routing.deliveries import pages as delivery_pages
from routing.deliveries import views as delivery_views
from routing.exchange import pages as exchange_pages
from routing.exchange import views as exchange_views
from routing.hub import views as hub_views
from routing.incoming import pages as incoming_pages
from routing.incoming import views as incoming_views
from routing.recipients import pages as recipient_pages
from routing.recipients import views as recipient_views
from routing.records import views as record_views
from routing.reports import pages as report_pages
from routing.reports import views as report_views
from routing.webhooks import views as webhook_views
from workflow import config as config_module
from workflow import limits
from workflow import runtime as runtime_module
from workflow.accounts import pages as account_pages
from workflow.accounts import views as account_views
from workflow.directory import pages as directory_pages
from workflow.directory import views as directory_views
from workflow.documents import pages as document_pages
from workflow.documents import views as document_views
from workflow.errors import DomainError
from workflow.issuance import pages as issuance_pages
from workflow.issuance import views as issuance_views
from workflow.notifications import pages as notification_pages
from workflow.notifications import views as notification_views
from workflow.signatures import pages as signature_pages
from workflow.signatures import views as signature_views
from workflow.web import context as web
from workflow.web import deadline, health
from workflow.web import pages as shared_pages
from workflow.web import views as api_views

log = logging.getLogger("congvan")

# The JSON API (/api/v1), one blueprint per feature: bearer tokens, no cookies, so no CSRF tokens either.
API = (
    api_views.bp,
    account_views.bp,
    directory_views.bp,
    document_views.bp,
    signature_views.bp,
    issuance_views.bp,
    notification_views.bp,
    recipient_views.bp,
    delivery_views.bp,
    exchange_views.bp,
    incoming_views.bp,
    report_views.bp,
    record_views.bp,
    webhook_views.bp,
)
# The pages, one blueprint per feature, and the shared one (home, static files, the templates' filters).
PAGES = (
    shared_pages.bp,
    account_pages.bp,
    directory_pages.bp,
    document_pages.bp,
    signature_pages.bp,
    issuance_pages.bp,
    notification_pages.bp,
    recipient_pages.bp,
    delivery_pages.bp,
    exchange_pages.bp,
    incoming_pages.bp,
    report_pages.bp,
)

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    # Only our own scripts, styles and images (page images may be data: URLs); no plugins, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Our own pages see where a form came from (to go back to it); other sites see nothing.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("login_required", "Cần đăng nhập."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    413: ("file_too_large", "Tệp tải lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ."),
}


def _error(code: str, message: str, http_status: int, detail: dict[str, Any] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    return jsonify(body), http_status


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from defaults, CONGVAN_* environment variables and test_config."""
    app = Flask(__name__)
    ours, flask_settings = config_module.split(test_config)
    settings = config_module.load(ours)
    health.check_production(settings)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Multipart overhead on top of the largest PDF accepted.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Production is served over HTTPS only (behind the proxy); the demo runs on plain http://127.0.0.1.
        SESSION_COOKIE_SECURE=settings.env == "production",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        **flask_settings,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:
        # The client's address (sign-in throttling, audit) from the proxies' X-Forwarded-For, no further.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    rt = runtime_module.build(settings)
    runtime_module.install(rt)
    if settings.job_mode == "rq":
        health.warn_if_redis_evicts(rt)
    app.extensions["congvan"] = rt
    routing.connect()
    for blueprint in API:
        app.register_blueprint(blueprint)
    if settings.hub_mode:
        app.register_blueprint(hub_views.vxp_bp)
    # Pages in Vietnamese; English when a person switches (flask-babel, catalogs in workflow/translations).
    app.config.update(BABEL_DEFAULT_LOCALE="vi", BABEL_TRANSLATION_DIRECTORIES=shared_pages.compiled_translations())
    Babel(app, locale_selector=shared_pages.locale)
    for blueprint in PAGES:
        app.register_blueprint(blueprint)
    # Every form of the pages carries a CSRF token; the JSON API and the hub's VXP protocol authenticate with
    # bearer tokens and signed headers instead, so cookies alone can never act there.
    csrf = CSRFProtect(app)
    for blueprint in (*API, hub_views.vxp_bp):
        csrf.exempt(blueprint)

    # The pages of a leader with a USB token talk to the signing tool or congvan-agent on their PC; nothing else
    # leaves 'self'.
    tool, agent = urlsplit(rt.settings.signing_tool_url), urlsplit(rt.settings.signing_agent_url)
    headers = SECURITY_HEADERS | {
        "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"]
        + f"; connect-src 'self' {tool.scheme}://{tool.netloc} {agent.scheme}://{agent.netloc}"
    }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # On every answer: pages, JSON, errors, downloads and static files alike.
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if (
            not str(request.endpoint).endswith("static")
            and response.headers.get("Cache-Control", "no-cache") == "no-cache"
        ):
            response.headers["Cache-Control"] = "no-store"  # documents and personal data: kept by no cache
        return response

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            try:
                session.close()
            except sqlalchemy.exc.SQLAlchemyError:  # the database went away mid-request; answered already
                log.warning("could not close a database session (the database is unreachable)")
        web.note_token_use()

    _bound_requests(app, rt.settings.request_seconds)
    _answer_errors(app)

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        """Liveness: the process answers."""
        return jsonify({"status": "ok"}), 200

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        """Readiness: database, Redis, a worker for every queue; queue depths and the outbox backlog."""
        ready, report = health.readiness(rt)
        return jsonify({"status": "ok" if ready else "not_ready", **report}), 200 if ready else 503

    return app


def _bound_requests(app: Flask, seconds: float) -> None:
    """Every request within its time budget, and no control characters in its query or form fields."""

    @app.before_request
    def _start_budget() -> None:
        deadline.start(seconds)

    @app.teardown_request
    def _end_budget(_exc: BaseException | None) -> None:
        deadline.stop()

    @app.before_request
    def _check_characters() -> None:
        # Query and form fields (JSON bodies are checked where they are read): no control characters. Other
        # bodies (an exchange package) are left unread here: their endpoints set their own size limits.
        fields = list(request.args.items(multi=True))
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            fields += request.form.items(multi=True)
        for name, value in fields:
            limits.check_text(value, name)


def _answer_errors(app: Flask) -> None:
    """Every error answered in Vietnamese with a stable code, never a stack trace."""

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> tuple[Response, int]:
        if exc.recorded and "db" in g:
            web.commit()  # e.g. the voided number of a failed issuance stays in the register
        response, status = _error(exc.code, exc.message, exc.status, exc.detail)
        if "retry_after" in exc.detail:
            response.headers["Retry-After"] = str(exc.detail["retry_after"])
        return response, status

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError) -> tuple[str, int]:
        message = "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ; hãy tải lại trang và thử lại."
        return render_template("workflow/error.html", message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        code, message = HTTP_MESSAGES.get(status, ("http_error", "Lỗi yêu cầu."))
        return _error(code, message, status)

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    def _database_down(exc: Exception) -> tuple[Response, int]:
        # The database restarting or unreachable: nothing was committed; the client may retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        response, status = _error(
            "database_unavailable", "Cơ sở dữ liệu tạm thời không truy cập được; hãy thử lại sau ít phút.", 503
        )
        response.headers["Retry-After"] = "5"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(_exc: Exception) -> tuple[Response, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error("internal_error", "Lỗi hệ thống; yêu cầu chưa được thực hiện.", 500)
