"""The `congvan` command: database set-up, demo data, workers, scheduler, the demo day."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from workflow import config as config_module
from workflow import runtime as runtime_module

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade_database(url: str) -> None:
    """Bring the database schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


@click.group()
def main() -> None:
    """congvan: hệ thống quản lý văn bản và điều hành."""


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema."""
    url = config_module.load()["DATABASE_URL"]
    upgrade_database(url)
    click.echo("Đã cập nhật cơ sở dữ liệu.")


@main.command("setup-demo")
def setup_demo() -> None:
    """Create the schema, the demo directory (password congvan-demo), the demo PKI and images."""
    from workflow import demo

    rt = runtime_module.current()
    upgrade_database(rt.config["DATABASE_URL"])
    with rt.sessions() as session, session.begin():
        agency = demo.load_directory(session)
        written = demo.make_pki(rt, session)
        demo.load_images(rt, session)
    click.echo(f"Cơ quan: {agency.name} ({agency.code}); khóa ký mới: {len(written)} tệp.")


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the signing and dispatch queues."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    import routing
    from workflow.outbox import QUEUES

    routing.connect()
    rt = runtime_module.current()
    connection = Redis.from_url(rt.config["REDIS_URL"])
    queues = [Queue(name, connection=connection) for name in QUEUES]
    rt.warm()
    # Jobs run in this process (no fork per job), so the parsed keys, the font, the token session and
    # the signing processes stay warm from one batch to the next.
    SimpleWorker(queues, connection=connection).work(burst=burst, with_scheduler=False)


def reconcile_all() -> dict[str, int]:
    """Re-enqueue what the database says is pending, in the hub and in routing."""
    from routing import jobs as routing_jobs
    from workflow import jobs

    return jobs.reconcile() | {"deliveries": routing_jobs.reconcile()}


@main.command("reconcile")
def reconcile() -> None:
    """Re-enqueue pending work once (outbox rows, silent signing batches, undelivered deliveries)."""
    click.echo(reconcile_all())


@main.command("create-batches")
def create_batches() -> None:
    """Create the end-of-day signing batches now (what the scheduler does at the cut-off)."""
    from workflow import jobs

    click.echo({"batches": jobs.create_due_batches()})


@main.command("scheduler")
@click.option("--interval", default=5.0, help="Seconds between reconciliations.")
def scheduler(interval: float) -> None:
    """Reconcile every few seconds and create the signing batches at the daily cut-off."""
    from workflow import jobs

    rt = runtime_module.current()
    hour, minute = (int(x) for x in str(rt.config["SIGNING_CUTOFF"]).split(":"))
    last_cutoff: dt.date | None = None
    while True:
        now = rt.now()
        if (now.hour, now.minute) >= (hour, minute) and last_cutoff != now.date():
            last_cutoff = now.date()
            click.echo(f"{now.isoformat()} cut-off: {jobs.create_due_batches()}")
        try:
            reconcile_all()
        except Exception as exc:  # noqa: BLE001 - a scheduler must outlive a Redis or database outage
            click.echo(f"reconcile failed: {exc}", err=True)
        time.sleep(interval)


@main.command("demo-day")
@click.option("--url", default="http://127.0.0.1:5000", help="The running service.")
@click.option("--drafts", default=6, help="How many drafts the specialist writes.")
def demo_day(url: str, drafts: int) -> None:
    """Drive the running service's API as the demo users through one working day."""
    from workflow.demo_day import run

    sys.exit(run(url, drafts, click.echo))


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
