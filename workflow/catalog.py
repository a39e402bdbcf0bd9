"""Decree-30 vocabularies: document types with their abbreviations, urgency, confidentiality."""

from __future__ import annotations

# key -> (name, abbreviation); công văn has no abbreviation (Decree 30, appendix III).
DOC_TYPES: dict[str, tuple[str, str | None]] = {
    "cong_van": ("Công văn", None),
    "nghi_quyet": ("Nghị quyết", "NQ"),
    "quyet_dinh": ("Quyết định", "QĐ"),
    "chi_thi": ("Chỉ thị", "CT"),
    "quy_che": ("Quy chế", "QC"),
    "quy_dinh": ("Quy định", "QyĐ"),
    "thong_cao": ("Thông cáo", "TC"),
    "thong_bao": ("Thông báo", "TB"),
    "huong_dan": ("Hướng dẫn", "HD"),
    "chuong_trinh": ("Chương trình", "CTr"),
    "ke_hoach": ("Kế hoạch", "KH"),
    "phuong_an": ("Phương án", "PA"),
    "de_an": ("Đề án", "ĐA"),
    "du_an": ("Dự án", "DA"),
    "bao_cao": ("Báo cáo", "BC"),
    "bien_ban": ("Biên bản", "BB"),
    "to_trinh": ("Tờ trình", "TTr"),
    "hop_dong": ("Hợp đồng", "HĐ"),
    "cong_dien": ("Công điện", "CĐ"),
    "ban_ghi_nho": ("Bản ghi nhớ", "BGN"),
    "ban_thoa_thuan": ("Bản thỏa thuận", "BTT"),
    "giay_uy_quyen": ("Giấy ủy quyền", "GUQ"),
    "giay_moi": ("Giấy mời", "GM"),
    "giay_gioi_thieu": ("Giấy giới thiệu", "GGT"),
    "giay_nghi_phep": ("Giấy nghỉ phép", "GNP"),
    "phieu_gui": ("Phiếu gửi", "PG"),
    "phieu_chuyen": ("Phiếu chuyển", "PC"),
    "phieu_bao": ("Phiếu báo", "PB"),
}

# key -> (label, edXML priority)
URGENCY: dict[str, tuple[str, int]] = {
    "thuong": ("Thường", 0),
    "khan": ("Khẩn", 1),
    "thuong_khan": ("Thượng khẩn", 2),
    "hoa_toc": ("Hỏa tốc", 3),
}

CONFIDENTIALITY: dict[str, str] = {
    "thuong": "Thường",
    "mat": "Mật",
    "toi_mat": "Tối mật",
    "tuyet_mat": "Tuyệt mật",
}

ROLES: dict[str, str] = {
    "specialist": "Chuyên viên",
    "unit_head": "Lãnh đạo phòng",
    "leader": "Lãnh đạo cơ quan",
    "clerk": "Văn thư",
    "archivist": "Lưu trữ cơ quan",
    "admin": "Quản trị",
}


def is_urgent(urgency: str) -> bool:
    """Urgent documents skip the end-of-day batch and are signed and issued at once."""
    return urgency != "thuong"


def is_secret(confidentiality: str) -> bool:
    """Documents with state secrets must never be sent over the network."""
    return confidentiality != "thuong"


# Where a leader's signing key lives (Person.signer_kind).
SIGNER_KINDS = {
    "pkcs12": "Tệp khóa PKCS#12 lưu mã hóa trên máy chủ",
    "pkcs11": "Thiết bị ký số PKCS#11 (USB token, HSM)",
    "csc": "Dịch vụ ký số từ xa theo chuẩn CSC",
    "smartca": "VNPT SmartCA (người ký xác nhận trên ứng dụng điện thoại)",
    "mysign": "Viettel MySign (người ký xác nhận trên ứng dụng điện thoại)",
    "usb": "USB token trên máy tính của lãnh đạo (ký bằng công cụ VGCA SignService)",
    "agent": "USB token trên máy tính của lãnh đạo (ký qua congvan-agent)",
}
# Kinds whose key is away from the server (a remote service, a token on the signer's PC): a signature waits for
# the signer, in a batch.
REMOTE_SIGNERS = frozenset({"csc", "smartca", "mysign", "usb", "agent"})
# Kinds whose signature the server never computes: the file is signed whole elsewhere and handed back.
SIGNED_ELSEWHERE = frozenset({"usb"})
