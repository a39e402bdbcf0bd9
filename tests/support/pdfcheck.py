"""Independent checks of issued PDFs: pyHanko's validator and poppler's pdfsig."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from signing import validation


def nss_db(keys_dir: Path, workdir: Path) -> Path:
    """An NSS database trusting the demo root, for pdfsig."""
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "cert9.db").exists():
        subprocess.run(["certutil", "-N", "-d", f"sql:{workdir}", "--empty-password"], check=True, timeout=60)
        subprocess.run(
            [
                "certutil",
                "-A",
                "-d",
                f"sql:{workdir}",
                "-n",
                "congvan-demo-root",
                "-t",
                "CT,C,C",
                "-i",
                str(keys_dir / "roots.pem"),
            ],
            check=True,
            timeout=60,
        )
    return workdir


def assert_issued_pdf(data: bytes, keys_dir: Path, nss: Path, tmp: Path, symbol: str) -> None:
    """Leader's signature intact with only form filling after it; agency's covering the whole file."""
    roots = validation.load_certs((keys_dir / "roots.pem").read_bytes())
    checks = validation.validate(data, roots)
    assert [c.field for c in checks] == ["chu_ky_lanh_dao", "chu_ky_co_quan"]
    leader, agency = checks
    assert leader.intact and leader.value_ok and leader.trusted
    assert leader.coverage == "ENTIRE_REVISION"
    assert leader.modification_level == "FORM_FILLING"
    assert agency.intact and agency.value_ok and agency.trusted
    assert agency.coverage == "ENTIRE_FILE"
    assert agency.modification_level == "NONE"
    reader = PdfFileReader(io.BytesIO(data))
    values = {str(f.get_object()["/T"]): str(f.get_object().get("/V", "")) for f in reader.root["/AcroForm"]["/Fields"]}
    assert values["so_ky_hieu"] == symbol
    assert values["ngay_ban_hanh"].startswith("Tuyên Quang, ngày ")
    path = tmp / f"{symbol.replace('/', '_')}.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.count("Signature is Valid.") == 2, out.stdout
    assert out.stdout.count("Certificate is Trusted.") == 2, out.stdout
    assert "Total document signed" in out.stdout
