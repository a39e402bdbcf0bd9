"""A PDF signed on the leader's own PC and handed back (by the VGCA SignService tool their USB token comes with):
taken only if it is exactly the file congvan served plus one signature, by the expected certificate, covering the
whole of it. Anything else is refused, and the refusal names what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

from signing import validation
from signing.errors import PdfError, SigningError
from signing.inspection import open_reader

# What one signature may add to the served file: its CMS (a chain, maybe a timestamp and revocation data) and
# an appearance. Far more is not a signature any tool makes; it is refused before it is parsed.
MOST_ADDED = 4 * 1024 * 1024


@dataclass(frozen=True)
class Returned:
    """A signed file accepted: its field, its signer and the check of its signature."""

    field: str
    signer: str
    check: validation.SignatureCheck


def _refuse(code: str, message: str) -> SigningError:
    return SigningError(code, message + " Tệp này không được nhận; hãy ký lại từ trang lô ký.")


def check_returned(
    served: bytes, returned: bytes, certificate: bytes, trust_roots: list[asn1_x509.Certificate]
) -> Returned:
    """The one signature the returned file adds to the served one, if it is exactly that and by `certificate`
    (DER); SigningError naming the problem otherwise."""
    if not returned.startswith(served) or len(returned) == len(served):
        raise _refuse("not_the_served_file", "Tệp ký trả về không bắt đầu đúng bằng tệp đã gửi đi ký (đã bị sửa).")
    if len(returned) - len(served) > MOST_ADDED:
        raise _refuse("too_much_added", "Phần thêm vào tệp lớn hơn nhiều so với một chữ ký số.")
    try:
        before, after = open_reader(served), open_reader(returned)
    except PdfError as exc:
        raise _refuse(exc.code, exc.message) from exc
    revisions = after.xrefs.total_revisions - before.xrefs.total_revisions
    if revisions != 1:
        raise _refuse(
            "not_one_revision", f"Tệp ký trả về thêm {revisions} lần sửa vào tệp đã gửi, thay vì đúng một chữ ký."
        )
    known = len(before.embedded_signatures)
    added = after.embedded_signatures[known:]
    if len(added) != 1 or len(after.embedded_signatures) != known + 1:
        raise _refuse("not_one_signature", f"Tệp ký trả về có {len(added)} chữ ký mới thay vì đúng một.")
    signature = added[0]
    if signature.signer_cert.dump() != certificate:
        raise _refuse(
            "wrong_signer",
            f"Chữ ký là của chứng thư «{signature.signer_cert.subject.human_friendly}», không phải chứng thư số "
            "đã đăng ký của người ký.",
        )
    checks = validation.validate(returned, trust_roots)
    check = checks[known]
    if check.coverage != "ENTIRE_FILE":
        raise _refuse("does_not_cover", "Chữ ký không phủ toàn bộ tệp ký trả về.")
    if not check.ok:
        raise _refuse("signature_not_valid", "Chữ ký không hợp lệ: " + "; ".join(check.problems))
    return Returned(check.field, check.signer, check)
