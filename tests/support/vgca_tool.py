"""A stand-in for VGCA SignService, written from the signing kit (../shared/signing-kit/LOCAL-TOKEN.md), run as its
own process: a loopback WebSocket server over TLS where each call is a new socket to /<Action> carrying one JSON
string — FileName (the URL of the file), FileUploadHandler (where to post the signed file as multipart
"uploadfile") — and answered with one JSON string {Status, Message, FileName, FileServer}. It signs the whole PDF
with the key on the token (SoftHSM2 through PKCS#11, as a real token's driver would), into the file's empty
signature field, logged in once (one PIN for the whole batch).

    python -m tests.support.vgca_tool --port P --workdir DIR --module LIB --token LABEL --pin PIN --name "…"

At start it makes the leader's key on the token, certified by the CA in DIR/ca.pem + DIR/ca-key.pem, and writes
the certificate to DIR/leader.pem (what the leader registers); each call is appended to DIR/calls.log.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import ssl
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, FormData, WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from congvan.demo_token import add_signing_key
from signing import pki


def _sign(data: bytes, signer: PKCS11Signer) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    empty = next(name for name, value, _ in fields.enumerate_sig_fields(writer) if value is None)
    return signers.PdfSigner(signers.PdfSignatureMetadata(field_name=empty), signer).sign_pdf(writer).getvalue()


async def _call(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    message = await socket.receive()
    if message.type != WSMsgType.TEXT:
        return socket
    asked: dict[str, Any] = json.loads(message.data)
    app = request.app
    with (app["workdir"] / "calls.log").open("a") as log:
        log.write(json.dumps({"action": request.match_info["action"], **asked}) + "\n")
    try:
        async with ClientSession(timeout=ClientTimeout(total=60)) as http:
            async with http.get(asked["FileName"]) as got:
                if got.status != 200:
                    raise RuntimeError(f"tải tệp không được ({got.status})")
                data = await got.read()
            signed = await asyncio.get_running_loop().run_in_executor(None, _sign, data, app["signer"])
            form = FormData()
            form.add_field("uploadfile", signed, filename="signed.pdf", content_type="application/pdf")
            async with http.post(asked["FileUploadHandler"], data=form) as sent:
                reply = await sent.json()
                if sent.status != 200:
                    raise RuntimeError(reply.get("error", {}).get("message", str(sent.status)))
        await socket.send_str(json.dumps(reply))
    except Exception as exc:  # noqa: BLE001 - a tool answers every call, whatever went wrong
        await socket.send_str(json.dumps({"Status": 1, "Message": str(exc), "FileName": "", "FileServer": ""}))
    await socket.close()
    return socket


def main() -> None:
    """Make the leader's key on the token, then serve the tool's WebSocket until killed."""
    parser = argparse.ArgumentParser()
    for name in ("--port", "--workdir", "--module", "--token", "--pin", "--name"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    ca = pki.Identity(
        key=serialization.load_pem_private_key((workdir / "ca-key.pem").read_bytes(), None),  # type: ignore[arg-type]
        cert=x509.load_pem_x509_certificate((workdir / "ca.pem").read_bytes()),
    )
    cert = add_signing_key(args.module, args.token, args.pin, "lanhdao", ca, args.name, "Sở Tài nguyên và Môi trường")
    session = open_pkcs11_session(args.module, token_criteria=TokenCriteria(label=args.token), user_pin=args.pin)
    app = web.Application()
    app["workdir"] = workdir
    app["signer"] = PKCS11Signer(session, key_label="lanhdao", cert_label="lanhdao", other_certs_to_pull=None)
    app.router.add_get("/{action}", _call)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(workdir / "tls.pem", workdir / "tls-key.pem")
    (workdir / "leader.pem").write_bytes(pki.cert_pem(cert))
    web.run_app(app, host="127.0.0.1", port=int(args.port), ssl_context=context, print=None)


if __name__ == "__main__":
    main()
