"""Phase 1 of a leader's signature (laying out the signature field and appearance, hashing) in the long-lived
signing processes, with the prepared font loaded once; the runtime starts them, the batch jobs hand them work."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from signing import pdf as signing_pdf
from signing import signers
from signing.errors import SigningError
from signing.signers import Signer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrepareTask:
    """Phase 1 of one document, sent to a signing process (everything picklable)."""

    data: bytes
    stamp: dict[str, str]
    moment: dt.datetime | None
    day: dt.date
    image: bytes | None
    timestamped: bool
    certificates: tuple[bytes, ...]  # the signer's certificate first, then its chain (DER)


_process: dict[str, bytes] = {}  # what a signing process keeps between tasks


def init_signing_process(font: bytes) -> None:
    """Initializer of a signing process: keep the prepared font for every document it will prepare."""
    _process["font"] = font


def prepare_task(task: PrepareTask) -> signing_pdf.Prepared | tuple[str, str]:
    """Run phase 1 in a signing process; errors come back as (code, message)."""
    return prepare(task, signers.certificate_only(task.certificates), _process["font"])


def prepare(task: PrepareTask, signer: Signer, font: bytes) -> signing_pdf.Prepared | tuple[str, str]:
    """Phase 1 of one document; any failure is that document's alone, reported as (code, message)."""
    try:
        return _prepare_leader(task, signer, font)
    except SigningError as exc:
        return exc.code, exc.message
    except Exception:  # a PDF pyHanko cannot lay out must not stop the batch
        log.warning("preparing a signature failed", exc_info=True)
        return "prepare_failed", "Không chuẩn bị được chữ ký số cho tệp PDF này."


def _prepare_leader(task: PrepareTask, signer: Signer, font: bytes) -> signing_pdf.Prepared:
    return signing_pdf.prepare_leader(
        task.data,
        signer,
        moment=task.moment,
        day=task.day,
        font=font,
        image=task.image,
        timestamped=task.timestamped,
        **task.stamp,
    )
