"""The `congvan` command: database set-up, demo data, workers, scheduler, the demo day."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click
from sqlalchemy import select

import workflow
from congvan import exchange_commands
from workflow import config as config_module
from workflow import runtime as runtime_module

MIGRATIONS = Path(workflow.__file__).parent / "migrations"


def upgrade_database(url: str) -> None:
    """Bring the database schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


class Commands(click.Group):
    """The commands: a refusal the domain explains in words (a secret too short, a key that does not open) ends
    the command with those words and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command, its domain refusals turned into messages."""
        from signing.errors import SigningError
        from workflow.errors import DomainError

        try:
            return super().invoke(ctx)
        except (DomainError, SigningError) as exc:
            raise click.ClickException(exc.message) from exc


@click.group(cls=Commands)
def main() -> None:
    """congvan: hệ thống quản lý văn bản và điều hành."""
    # Every command, the web server's included, stops at once on a wrong setting, naming it.
    try:
        config_module.load()
    except config_module.ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


# The exchange's commands live in their own module: edxml, exchange, hub.
for group in (exchange_commands.edxml_group, exchange_commands.exchange_group, exchange_commands.hub_group):
    main.add_command(group)


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema."""
    url = config_module.load().database_url
    upgrade_database(url)
    click.echo("Đã cập nhật cơ sở dữ liệu.")


@main.command("grant-app-role")
@click.argument("role")
def grant_app_role(role: str) -> None:
    """PostgreSQL, run as the tables' owner after init-db: let ROLE (the web and workers' login) use every
    table but only add to the audit trail."""
    from workflow import db

    rt = runtime_module.current()
    try:
        db.grant_app_role(rt.engine, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Vai trò {role}: đọc, ghi mọi bảng; nhật ký kiểm tra chỉ được ghi thêm.")


@main.command("reseal")
def reseal() -> None:
    """Encrypt every stored secret again with the newest of CONGVAN_SECRETS_KEYS (after adding a key, or to
    seal values written before encryption at rest); then the older keys may be dropped."""
    import routing.models  # noqa: F401 - routing's sealed columns are on the shared metadata
    from workflow import encryption
    from workflow.models import Base

    rt = runtime_module.current()
    count = encryption.encrypt_again(rt.engine, Base.metadata)
    click.echo(f"Đã mã hóa lại {count} bí mật bằng khóa mới nhất.")


@main.command("setup-demo")
@click.option("--agency", "agency_code", default="000.00.12.H57", help="Which demo agency this instance is.")
def setup_demo(agency_code: str) -> None:
    """Create the schema, the demo directory (password congvan-demo), the demo PKI and images."""
    from congvan import demo

    rt = runtime_module.current()
    upgrade_database(rt.settings.database_url)
    from routing.models import DistributionList

    with rt.sessions() as session, session.begin():
        agency = demo.load_directory(session, self_code=agency_code)
        if session.scalar(select(DistributionList.id).where(DistributionList.agency_id == agency.id).limit(1)) is None:
            for name, aliases, members in demo.LISTS:
                session.add(DistributionList(agency_id=agency.id, name=name, aliases=aliases, members=members))
        written = demo.make_pki(rt, session)
        demo.load_images(rt, session)
    click.echo(f"Cơ quan: {agency.name} ({agency.code}); khóa ký mới: {len(written)} tệp.")


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queues", default="", help="Comma-separated queues to serve (default: all).")
def worker(burst: bool, queues: str) -> None:
    """Run an RQ worker on the signing, dispatch, exchange and webhooks queues (or some of them)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    import routing
    from workflow.outbox import QUEUES
    from workflow.web import health

    names = [name.strip() for name in queues.split(",") if name.strip()] or list(QUEUES)
    unknown = [name for name in names if name not in QUEUES]
    if unknown:
        raise click.BadParameter(f"hàng đợi không có: {', '.join(unknown)} (có: {', '.join(QUEUES)})")
    routing.connect()
    rt = runtime_module.current()
    health.check_production(rt.settings)
    health.warn_if_redis_evicts(rt)
    connection = Redis.from_url(rt.settings.redis_url)
    if "signing" in names:
        rt.warm()
    serving = [Queue(name, connection=connection) for name in names]
    # Jobs run in this process (no fork per job), so the parsed keys, the font, the token session and
    # the signing processes stay warm from one batch to the next.
    SimpleWorker(serving, connection=connection).work(burst=burst, with_scheduler=False)


def reconcile_all() -> dict[str, int]:
    """Re-enqueue what the database says is pending, in the hub and in routing."""
    from routing import jobs as routing_jobs
    from workflow import jobs

    return jobs.reconcile() | routing_jobs.reconcile()


def prune_all() -> dict[str, int]:
    """Delete what is no longer needed: relayed outbox rows, the hub's delivered messages, the webhook log."""
    from routing import jobs as routing_jobs
    from workflow import jobs

    return jobs.prune() | routing_jobs.prune()


@main.command("prune")
def prune() -> None:
    """Delete old relayed outbox rows, delivered hub messages and webhook log entries (the scheduler does it hourly)."""
    click.echo(prune_all())


@main.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail: seal, anchor, verify."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Walk the hash chain of the audit trail and its anchors; report the first broken link (exit 1)."""
    from workflow import audit, jobs

    rt = runtime_module.current()
    jobs.reconcile()  # link what is committed but not yet sealed, so it is checked too
    with rt.readers() as session:
        verdict = audit.verify(session)
    if verdict.broken is not None:
        broken = verdict.broken
        click.echo(
            f"HỎNG tại liên kết số {broken['seq']} (sự kiện {broken['audit_id']}): {broken['message']} "
            f"[{broken['code']}]; {verdict.links} liên kết trước đó nguyên vẹn.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"Nhật ký nguyên vẹn: {verdict.links} liên kết, {verdict.anchors} mốc, {verdict.unsealed} chưa niêm phong."
    )


@audit_group.command("anchor")
def audit_anchor() -> None:
    """Anchor the chain's head now (the scheduler does it daily at WORKDAY_END), timestamped by the TSA."""
    from workflow import jobs

    click.echo(f"Mốc tại liên kết số {jobs.anchor_audit()}.")


@main.command("reconcile")
def reconcile() -> None:
    """Re-enqueue pending work once (outbox rows, silent signing batches, undelivered deliveries)."""
    click.echo(reconcile_all())


@main.command("create-batches")
def create_batches() -> None:
    """Create the end-of-day signing batches now (what the scheduler does at the cut-off)."""
    from workflow import jobs

    click.echo({"batches": jobs.create_due_batches()})


@main.command("incoming-digest")
def incoming_digest() -> None:
    """Send today's digest of incoming documents due soon or overdue now (the scheduler does it at WORKDAY_START)."""
    from routing import jobs as routing_jobs

    click.echo({"told": routing_jobs.incoming_digest()})


@main.command("scheduler")
@click.option("--interval", default=5.0, help="Seconds between reconciliations.")
def scheduler(interval: float) -> None:
    """Reconcile and seal the audit trail every few seconds; daily: batches, the audit anchor; prune hourly."""
    from workflow import jobs
    from workflow.web import health

    rt = runtime_module.current()
    health.check_production(rt.settings)
    cutoff, workday_end = rt.settings.signing_cutoff, rt.settings.workday_end
    last_cutoff: dt.date | None = None
    last_prune: float | None = None
    last_anchor: dt.date | None = None
    last_agencies: dt.date | None = None
    last_digest: dt.date | None = None
    while True:
        now = rt.now()
        try:
            if rt.settings.vxp_url and not rt.settings.hub_mode and last_agencies != now.date():
                # At start and then daily: the national exchange's agencies join our directory.
                from routing.exchange import directory

                synced = directory.sync_agencies(rt)
                click.echo(
                    f"{now.isoformat()} agencies from the exchange: {synced.added} added,"
                    f" {synced.renames} other names for the administrator"
                )
                last_agencies = now.date()
            if now.time() >= cutoff and last_cutoff != now.date():
                # Marked done only once the batches exist: a database away at the cut-off is tried again on
                # the next tick (leaders whose batch was made already have nothing left waiting).
                click.echo(f"{now.isoformat()} cut-off: {jobs.create_due_batches()}")
                last_cutoff = now.date()
            reconcile_all()
            if now.time() >= rt.settings.workday_start and last_digest != now.date():
                # The morning digest of incoming documents due soon or overdue (once a day, restarts included).
                from routing import jobs as routing_jobs

                click.echo(f"{now.isoformat()} incoming digest to {routing_jobs.incoming_digest()} people")
                last_digest = now.date()
            if now.time() >= workday_end and last_anchor != now.date():
                # The day's anchor of the audit chain (timestamped by the TSA when one is configured);
                # tried again on the next tick if the TSA does not answer.
                click.echo(f"{now.isoformat()} audit anchor at link {jobs.anchor_audit()}")
                last_anchor = now.date()
            if last_prune is None or time.monotonic() - last_prune > 3600:
                last_prune = time.monotonic()
                click.echo(f"{now.isoformat()} pruned: {prune_all()}")
        except Exception as exc:  # noqa: BLE001 - a scheduler must outlive a Redis or database outage
            click.echo(f"reconcile failed: {exc}", err=True)
        time.sleep(interval)


@main.group("archive")
def archive_group() -> None:
    """Case files handed to the agency's archive."""


@archive_group.command("verify")
@click.argument("package_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--roots",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust anchors (PEM) to use instead of the package's own.",
)
def archive_verify(package_file: Path, roots: Path | None) -> None:
    """Check an exported case file offline: every digest, every signature and its long-term evidence; one verdict
    per document; exit 1 when anything does not hold."""
    from routing.records import package

    verdicts = package.verify(package_file.read_bytes(), roots.read_bytes() if roots else None)
    for verdict in verdicts:
        click.echo(f"{'ĐẠT' if verdict.ok else 'KHÔNG ĐẠT'}  {verdict.name}: {verdict.said}")
    failed = sum(1 for v in verdicts if not v.ok)
    click.echo(f"{len(verdicts) - failed}/{len(verdicts)} đạt.")
    sys.exit(1 if failed or not verdicts else 0)


@main.group("trust")
def trust_group() -> None:
    """The root certificates signatures are validated against (beyond the deployment's roots.pem)."""


@trust_group.command("add")
@click.argument("pem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_add(pem_file: Path) -> None:
    """Trust the CA certificates of a PEM file (a signing service's root, such as SmartCA's), at once."""
    from workflow.directory import trust
    from workflow.errors import DomainError

    rt = runtime_module.current()
    try:
        with rt.sessions() as session, session.begin():
            added = trust.add(session, rt, None, pem_file.read_bytes())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    for root in added:
        click.echo(f"Đã tin cậy: {root.subject} (SHA-256 {root.sha256}, hiệu lực đến {root.valid_to}).")


@trust_group.command("list")
def trust_list() -> None:
    """The trusted roots."""
    from workflow.directory import trust

    for root in trust.listed(runtime_module.current()):
        origin = "thêm bởi quản trị viên" if root.added else "roots.pem"
        click.echo(f"{root.sha256}  {root.subject}  (đến {root.valid_to}; {origin})")


@main.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the database and the file store into an empty folder (keys are backed up apart)."""
    from congvan import backup

    rt = runtime_module.current()
    try:
        manifest = backup.backup(rt, target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã sao lưu vào {target}: {manifest}")


@main.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True))
def restore_command(source: Path) -> None:
    """Restore a backup into an empty system, then check every file against its SHA-256."""
    from congvan import backup

    rt = runtime_module.current()
    try:
        manifest = backup.restore(rt, source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    check = backup.verify(runtime_module.build(rt.settings))
    click.echo(f"Đã khôi phục {manifest}; kiểm tra {check.files} tệp, {check.versions} phiên bản văn bản.")
    if check.problems:
        raise click.ClickException("; ".join(check.problems[:20]))


@main.command("verify-files")
def verify_files() -> None:
    """Check every stored file against its SHA-256 (exits non-zero on the first problem found)."""
    from congvan import backup

    check = backup.verify(runtime_module.current())
    click.echo(f"Kiểm tra {check.files} tệp, {check.versions} phiên bản văn bản: {len(check.problems)} lỗi.")
    if check.problems:
        raise click.ClickException("; ".join(check.problems[:20]))


@main.command("demo-day")
@click.option("--url", default="http://127.0.0.1:5000", help="The running service.")
@click.option("--drafts", default=6, help="How many drafts the specialist writes.")
@click.option(
    "--partner-url",
    default="http://127.0.0.1:5002",
    help="The second agency scripts/demo starts (UBND tỉnh); empty, or not running: the day stays in one agency.",
)
def demo_day(url: str, drafts: int, partner_url: str) -> None:
    """Drive the running service's API as the demo users through one working day (and the exchange with the
    second agency, when it runs)."""
    import requests

    from congvan.demo_day import run

    if partner_url:
        try:
            requests.get(f"{partner_url.rstrip('/')}/healthz", timeout=2)
        except requests.RequestException:
            click.echo(f"Không có cơ quan thứ hai tại {partner_url}: chỉ chạy một ngày trong cơ quan.")
            partner_url = ""
    sys.exit(run(url, drafts, click.echo, partner_url))


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000)
@click.option("--workers", default=2)
@click.option("--threads", default=4)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web application with gunicorn."""
    os.execvp(  # noqa: S606 - replaces this process with gunicorn on purpose
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "wsgi:create_app()",
        ],
    )


if __name__ == "__main__":
    main()
