"""The CSC v2 client against the reference server: 50 hashes, one approval, one signHash."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signing import appearance, pdf, pki, remote, validation
from signing.errors import SigningError
from tests.signing.test_pdf import NOW, draft
from tests.support.csc_server import CscServer, csc_server
from workflow.documents.render import render


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[CscServer, pki.Identity]]:
    ca = pki.make_root("congvan CSC Test CA", "congvan tests")
    with csc_server() as running:
        running.accounts["stnmt"] = "app-secret"
        running.add_key("cred-giamdoc", "stnmt", ca, "Phạm Mạnh Duyệt", "Sở Tài nguyên và Môi trường")
        yield running, ca


def _client(server: CscServer, approval_timeout: float = 10) -> remote.CscClient:
    return remote.CscClient(server.url, "stnmt", "app-secret", poll_interval=0.1, approval_timeout=approval_timeout)


def _prepared(signer: remote.CscSigner, count: int) -> list[pdf.Prepared]:
    data, layout = render(draft())
    base = pdf.prepare(data, layout)
    font = appearance.prepare_font(appearance.find_serif_font())
    return [
        pdf.prepare_leader(
            base,
            signer,
            signer_name="Phạm Mạnh Duyệt",
            position="Giám đốc",
            agency="Sở Tài nguyên và Môi trường",
            moment=NOW,
            day=NOW.date(),
            font=font,
        )
        for _ in range(count)
    ]


def test_fifty_documents_with_one_approval(server: tuple[CscServer, pki.Identity], tmp_path: Path) -> None:
    running, ca = server
    running.decision = "approve"
    client = _client(running)
    assert client.credentials_list() == ["cred-giamdoc"]
    credential = client.credential("cred-giamdoc")
    signer = remote.CscSigner(client, credential, expected=50, description="Lô trình ký 50 văn bản")
    prepared = _prepared(signer, 50)
    before = (len(running.authorize_calls), len(running.sign_calls))
    signed = [pdf.finish(p, s) for p, s in zip(prepared, pdf.sign_digests(prepared, signer), strict=True)]
    assert running.authorize_calls[before[0] :] == [50] and running.sign_calls[before[1] :] == [50]
    roots = validation.load_certs(pki.cert_pem(ca.cert))
    for data in signed:
        (check,) = validation.report(data, roots).signatures
        assert check.ok and check.signer == "Phạm Mạnh Duyệt", check
    path = tmp_path / "remote.pdf"
    path.write_bytes(signed[-1])
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60).stdout
    assert "Signature is Valid." in out, out  # poppler agrees


@pytest.mark.parametrize(
    ("decision", "expires", "code"),
    [("refuse", 30.0, "approval_refused"), ("ignore", 30.0, "approval_timeout"), ("ignore", 0.3, "approval_expired")],
)
def test_refused_unanswered_or_expired_approval_signs_nothing(
    server: tuple[CscServer, pki.Identity], decision: str, expires: float, code: str
) -> None:
    running, _ = server
    running.decision, running.expires_after = decision, expires
    client = _client(running, approval_timeout=1.0)
    signer = remote.CscSigner(client, client.credential("cred-giamdoc"), expected=3, description="x")
    calls = len(running.sign_calls)
    started = dt.datetime.now()
    with pytest.raises(SigningError) as failed:
        pdf.sign_digests(_prepared(signer, 3), signer)
    running.expires_after = 30.0
    assert failed.value.code == code and len(running.sign_calls) == calls
    assert (dt.datetime.now() - started).total_seconds() < 10


def test_wrong_password_and_unreachable_service(server: tuple[CscServer, pki.Identity]) -> None:
    running, _ = server
    with pytest.raises(SigningError) as refused:
        remote.CscClient(running.url, "stnmt", "wrong").credentials_list()
    assert refused.value.code == "csc_auth_failed"
    with pytest.raises(SigningError) as down:
        remote.CscClient("http://127.0.0.1:9/csc/v2", "a", "b", timeout=2).credentials_list()
    assert down.value.code == "csc_unavailable"
