"""The `congvan` commands of the exchange: edXML packages read or imported by hand, this agency's identity and
its peers' certificates, and the systems a hub serves."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from workflow import runtime as runtime_module


@click.group("edxml")
def edxml_group() -> None:
    """edXML packages (QCVN 102:2016) received or sent by other means."""


@edxml_group.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def edxml_parse(path: str) -> None:
    """Print as JSON what congvan reads in an edXML package or status package."""
    import json

    from routing.exchange import edxml_read

    try:
        message = edxml_read.parse_message(Path(path).read_bytes())
    except edxml_read.EdxmlError as exc:
        click.echo(json.dumps({"refused": exc.code, "message": exc.message}, ensure_ascii=False))
        sys.exit(1)
    click.echo(json.dumps(edxml_read.summary(message), ensure_ascii=False))


@edxml_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--clerk", required=True, help="User name of the clerk importing it.")
def edxml_import(path: str, clerk: str) -> None:
    """Take a package received by other means as an incoming document, as if the exchange had delivered it."""
    import json

    from routing.exchange import inbound
    from workflow import outbox
    from workflow.errors import DomainError
    from workflow.models import Person

    rt = runtime_module.current()
    try:
        with rt.readers() as reader:
            person_id = reader.scalar(select(Person.id).where(Person.username == clerk))
            checked = inbound.check_imported(reader, rt, person_id or 0, Path(path).read_bytes())
        with rt.sessions() as session, session.begin():
            answer = inbound.receive(session, rt, checked)
    except DomainError as exc:
        click.echo(json.dumps({"refused": exc.code, "message": exc.message}, ensure_ascii=False))
        sys.exit(1)
    outbox.relay_quietly(rt)
    click.echo(json.dumps(answer, ensure_ascii=False))


@click.group("exchange")
def exchange_group() -> None:
    """This agency's place in the exchange: its identity, and the certificates of the agencies it receives from."""


@exchange_group.command("identity")
def exchange_identity() -> None:
    """Print what another agency needs to check our packages' signatures (organ id, name, certificate), as JSON."""
    import json

    from routing.exchange import directory

    rt = runtime_module.current()
    with rt.readers() as session:
        click.echo(json.dumps(directory.identity(rt, directory.self_agency(session)), ensure_ascii=False, indent=2))


@exchange_group.command("add-peer")
@click.argument("identity_file", type=click.File("r", encoding="utf-8"))
def exchange_add_peer(identity_file: object) -> None:
    """Pin another agency's certificate from its `congvan exchange identity` output (its packages' XML
    signatures are checked against it; its PDFs' signatures chain to it)."""
    import json

    from routing.exchange import directory

    peer_identity = json.load(identity_file)  # type: ignore[arg-type]
    rt = runtime_module.current()
    with rt.sessions() as session, session.begin():
        directory.add_peer(session, peer_identity["organ_id"], peer_identity["name"], peer_identity["certificate"])
    click.echo(f"Đã ghi chứng thư số của {peer_identity['name']} ({peer_identity['organ_id']}) vào danh bạ liên thông.")


@click.group("hub")
def hub_group() -> None:
    """Administer the exchange hub (an instance run with CONGVAN_HUB_MODE=true, serving the VXP protocol)."""


@hub_group.command("add-system")
@click.argument("organ_id")
@click.option("--name", required=True, help="The agency's name.")
@click.option("--system-id", default="", help="The system id its SDK is configured with (default: the organ id).")
@click.option("--secret-file", type=click.File("r", encoding="utf-8"), required=True, help="A file holding its secret.")
def hub_add_system(organ_id: str, name: str, system_id: str, secret_file: object) -> None:
    """Register a system speaking the national SDK's protocol (VXP) for an agency, with its secret."""
    from routing.hub import service as hub

    secret = secret_file.read().strip()  # type: ignore[attr-defined]
    rt = runtime_module.current()
    with rt.sessions() as session, session.begin():
        system = hub.add_system(session, system_id or organ_id, organ_id, name, secret)
        click.echo(f"Đã đăng ký hệ thống {system.system_id} cho {name} ({organ_id}) với trục (giao thức VXP).")
