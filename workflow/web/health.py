"""Liveness, readiness and production checks of a congvan process."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from workflow.config import DEFAULTS, Settings
from workflow.models import OutboxMessage
from workflow.outbox import QUEUES
from workflow.runtime import Runtime

log = logging.getLogger(__name__)

DEMO_ROOT = "congvan Demo Root CA"


class ConfigurationError(RuntimeError):
    """A production process refuses to start with a demo key or a default secret."""


def production_problems(settings: Settings) -> list[str]:
    """What makes a configuration unfit for production (empty when it is fit)."""
    problems = []
    if not settings.secret_key or settings.secret_key == DEFAULTS["secret_key"]:
        problems.append("CONGVAN_SECRET_KEY chưa được đặt (đang dùng giá trị mặc định).")
    if not settings.secrets_keys:
        problems.append("CONGVAN_SECRETS_KEYS chưa được đặt (khóa mã hóa các bí mật lưu trong cơ sở dữ liệu).")
    roots = Path(settings.keys_dir) / "roots.pem"
    if roots.is_file() and DEMO_ROOT in _subjects(roots.read_bytes()):
        problems.append("Thư mục khóa đang chứa hạ tầng khóa thử nghiệm (congvan Demo Root CA).")
    if not settings.key_passphrase and (Path(settings.keys_dir) / "people").is_dir():
        problems.append("CONGVAN_KEY_PASSPHRASE chưa được đặt cho các tệp khóa PKCS#12.")
    if settings.database_url.startswith("sqlite"):
        problems.append("Môi trường vận hành cần PostgreSQL (CONGVAN_DATABASE_URL), không dùng SQLite.")
    if settings.job_mode != "rq":
        problems.append("Môi trường vận hành chạy công việc nền bằng RQ (CONGVAN_JOB_MODE=rq).")
    return problems


def _subjects(pem: bytes) -> str:
    from signing import validation

    return " ".join(c.subject.human_friendly for c in validation.load_certs(pem))


def check_production(settings: Settings) -> None:
    """Refuse to start in production mode with what only a demo may use."""
    if settings.env != "production":
        return
    problems = production_problems(settings)
    if problems:
        raise ConfigurationError("congvan không khởi động ở chế độ vận hành: " + " ".join(problems))


def warn_if_redis_evicts(rt: Runtime) -> str | None:
    """Warn (and return the policy) when Redis may evict keys: queued jobs would vanish."""
    try:
        policy = rt.redis.config_get("maxmemory-policy")
    except Exception:  # noqa: BLE001 - Redis down or CONFIG disabled: readiness reports it, nothing to warn
        return None
    value = str(policy.get("maxmemory-policy", ""))
    if value != "noeviction":
        log.warning("Redis maxmemory-policy is %s: queued jobs may be evicted; set noeviction", value)
    return value


def readiness(rt: Runtime) -> tuple[bool, dict[str, Any]]:
    """Whether this deployment can do its work now: database, Redis, queues, workers, outbox backlog."""
    report: dict[str, Any] = {}
    ok = True
    try:
        with rt.readers() as session:
            session.execute(text("SELECT 1"))
            report["outbox_backlog"] = int(
                session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.relayed_at.is_(None))
                )
                or 0
            )
        report["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a readiness probe reports failures, it does not raise them
        ok, report["database"] = False, f"lỗi: {type(exc).__name__}"
    if rt.settings.job_mode != "rq":
        return ok, report | {"redis": "không dùng (JOB_MODE=inline)"}
    try:
        from rq import Queue, Worker

        connection = rt.redis
        connection.ping()
        report["redis"] = "ok"
        report["queues"] = {name: Queue(name, connection=connection).count for name in QUEUES}
        workers = Worker.all(connection=connection)
        report["workers"] = len(workers)
        served = {name for w in workers for name in w.queue_names()}
        report["queues_without_worker"] = [name for name in QUEUES if name not in served]
        if not workers or report["queues_without_worker"]:
            ok = False
    except Exception as exc:  # noqa: BLE001 - as above
        ok, report["redis"] = False, f"lỗi: {type(exc).__name__}"
    return ok, report
