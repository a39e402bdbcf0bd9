"""The OpenAPI description of /api/v1 served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from workflow import catalog
from workflow.states import ACTIONS, STATES


def _op(summary: str, status: str = "200", body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {"description": "OK"},
            "4XX": {
                "description": "Lỗi",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    op.update(extra)
    return op


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SEQ = {"name": "seq", "in": "path", "required": True, "schema": {"type": "integer"}}
BINARY = {"type": "string", "format": "binary"}
PNG = {
    "image/png": {"schema": BINARY},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": BINARY}}},
}

# Keyset paging of every list: the answer's next_before is the next page's before (null: the last page).
PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}},
    {"name": "before", "in": "query", "schema": {"type": "integer"}},
]

DRAFT = {
    "type": "object",
    "required": ["doc_type", "summary", "signer_id"],
    "properties": {
        "doc_type": {"type": "string", "enum": list(catalog.DOC_TYPES)},
        "summary": {"type": "string", "description": "Trích yếu"},
        "body": {"type": "string", "description": "Nội dung để hệ thống dàn trang theo Nghị định 30"},
        "urgency": {"type": "string", "enum": list(catalog.URGENCY)},
        "confidentiality": {"type": "string", "enum": list(catalog.CONFIDENTIALITY)},
        "signer_id": {"type": "integer"},
        "kinh_gui": {"type": "array", "items": {"type": "string"}},
        "noi_nhan": {"type": "array", "items": {"type": "string"}},
        "due_date": {"type": "string", "format": "date"},
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "congvan API",
        "version": "1",
        "description": "Quản lý văn bản đi: soạn, duyệt, ký, phát hành, gửi.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string", "description": "Tiếng Việt"},
                        },
                    }
                },
            },
            "Draft": DRAFT,
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/auth/login": {
            "post": _op(
                "Đăng nhập, nhận token",
                body=_json(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                            "code": {"type": "string", "description": "mã TOTP, khi đã bật xác thực hai lớp"},
                        },
                    }
                ),
                security=[],
            )
        },
        "/api/v1/auth/logout": {"post": _op("Đăng xuất: thu hồi token đang dùng")},
        "/api/v1/tokens": {"get": _op("Các token của tôi (không có mã bí mật): tạo lúc, dùng lần cuối, thu hồi")},
        "/api/v1/tokens/{id}": {"delete": _op("Thu hồi một token của tôi (quản trị: của bất kỳ ai)", parameters=ID)},
        "/api/v1/me": {"get": _op("Người đang đăng nhập")},
        "/api/v1/me/totp": {
            "post": _op(
                "Bắt đầu bật mã xác thực hai lớp (TOTP): trả mã bí mật và địa chỉ otpauth:// (một lần)",
                "201",
                body=_json({"type": "object", "properties": {"password": {"type": "string"}}}),
            ),
            "delete": _op(
                "Tắt mã xác thực hai lớp",
                body=_json({"type": "object", "properties": {"password": {"type": "string"}}}),
            ),
        },
        "/api/v1/me/totp/confirm": {
            "post": _op(
                "Bật mã xác thực hai lớp bằng mã đầu tiên ứng dụng hiện",
                body=_json({"type": "object", "properties": {"code": {"type": "string"}}}),
            )
        },
        "/api/v1/openapi.json": {"get": _op("Mô tả OpenAPI của API này", security=[])},
        "/api/v1/directory": {"get": _op("Danh bạ: cơ quan, đơn vị, người dùng, danh mục")},
        "/api/v1/documents": {
            "get": _op(
                "Danh sách văn bản từng trang, mới nhất trước; tìm theo số, ký hiệu, trích yếu, nội dung "
                "(không phân biệt dấu), lọc theo loại, đơn vị, trạng thái, khoảng ngày",
                parameters=[
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATES)}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "type", "in": "query", "schema": {"type": "string", "enum": list(catalog.DOC_TYPES)}},
                    {"name": "unit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    *PAGE,
                ],
            ),
            "post": _op(
                "Tạo dự thảo (JSON có body, hoặc multipart có tệp PDF 'file')",
                "201",
                body={
                    **_json({"$ref": "#/components/schemas/Draft"}),
                    "multipart/form-data": {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/Draft"},
                                {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                },
                            ]
                        }
                    },
                },
            ),
        },
        "/api/v1/documents/{id}": {"get": _op("Chi tiết văn bản", parameters=ID)},
        "/api/v1/documents/{id}/pdf": {"get": _op("Tệp PDF hiện tại (hoặc ?version=N)", parameters=ID)},
        "/api/v1/documents/{id}/versions": {
            "get": _op("Các phiên bản với SHA-256", parameters=ID),
            "post": _op("Phiên bản mới khi đang soạn (JSON trường sửa, hoặc multipart 'file')", "201", parameters=ID),
        },
        "/api/v1/documents/{id}/appendices": {
            "post": _op(
                "Thêm phụ lục (tệp PDF riêng, multipart 'file'); cơ quan ký số khi phát hành",
                "201",
                parameters=ID,
                body={"multipart/form-data": {"schema": {"type": "object", "properties": {"file": BINARY}}}},
            )
        },
        "/api/v1/documents/{id}/appendices/{seq}/pdf": {
            "get": _op("Tệp PDF phụ lục (bản đã ký số khi đã phát hành)", parameters=[*ID, SEQ])
        },
        "/api/v1/documents/{id}/appendices/{seq}": {"delete": _op("Bỏ phụ lục khi đang soạn", parameters=[*ID, SEQ])},
        "/api/v1/people/{id}/signature-image": {
            "get": _op("Ảnh chữ ký của lãnh đạo", parameters=ID),
            "put": _op("Quản trị: tải ảnh chữ ký (PNG nền trong suốt)", parameters=ID, body=PNG),
        },
        "/api/v1/people/{id}/signer": {
            "put": _op(
                "Quản trị: nơi giữ khóa ký của lãnh đạo (tệp PKCS#12, thiết bị PKCS#11, dịch vụ ký từ xa CSC)",
                parameters=ID,
                body=_json(
                    {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"type": "string", "enum": list(catalog.SIGNER_KINDS)},
                            "ref": {"type": "string", "description": "Nhãn khóa trên token, hoặc credentialID"},
                        },
                    }
                ),
            )
        },
        "/api/v1/agency/seal-image": {
            "get": _op("Ảnh con dấu của cơ quan"),
            "put": _op("Quản trị: tải ảnh con dấu (PNG nền trong suốt)", body=PNG),
        },
        "/api/v1/documents/{id}/signatures": {"get": _op("Kiểm tra các chữ ký số của tệp PDF hiện tại", parameters=ID)},
        "/api/v1/validate": {
            "post": _op(
                "Kiểm tra chữ ký số của một tệp PDF bất kỳ (xử lý trong tiến trình riêng có giới hạn): "
                "từng chữ ký (người ký, chuỗi chứng thư, thời điểm, dấu thời gian, mức PAdES, phạm vi, "
                "thay đổi sau khi ký) và kết luận",
                body={
                    "application/pdf": {"schema": BINARY},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": BINARY}}},
                },
            )
        },
        "/api/v1/documents/{id}/events": {"get": _op("Nhật ký thao tác", parameters=ID)},
        "/api/v1/documents/{id}/comments": {
            "get": _op("Ý kiến", parameters=ID),
            "post": _op(
                "Thêm ý kiến",
                "201",
                parameters=ID,
                body=_json({"type": "object", "properties": {"body": {"type": "string"}}}),
            ),
        },
        "/api/v1/documents/{id}/actions/{action}": {
            "post": _op(
                "Thao tác theo vòng đời (409 nếu trạng thái không cho phép, 403 nếu không có quyền)",
                parameters=[
                    *ID,
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(ACTIONS)},
                    },
                ],
                body=_json({"type": "object", "properties": {"reason": {"type": "string"}}}),
            )
        },
        "/api/v1/documents/{id}/edxml": {
            "get": _op("Gói tin edXML (QCVN 102:2016) của văn bản đã phát hành, gửi các cơ quan nhận", parameters=ID)
        },
        "/api/v1/documents/{id}/deliveries": {"get": _op("Tình trạng nhận của từng nơi nhận", parameters=ID)},
        "/api/v1/documents/{id}/certificate.pdf": {
            "get": _op(
                "Giấy chứng nhận phát hành (PDF ký số của cơ quan): số, ký hiệu, SHA-256, chứng thư, quá trình xử lý, "
                "tình trạng nhận",
                parameters=ID,
            )
        },
        "/api/v1/signing-book": {
            "get": _op(
                "Sổ trình ký của lãnh đạo đang đăng nhập (văn thư: ?leader_id=)",
                parameters=[{"name": "leader_id", "in": "query", "schema": {"type": "integer"}}],
            )
        },
        "/api/v1/signing-batches": {
            "post": _op(
                "Lập lô trình ký",
                "201",
                body=_json(
                    {
                        "type": "object",
                        "properties": {
                            "leader_id": {"type": "integer"},
                            "document_ids": {"type": "array", "items": {"type": "integer"}},
                        },
                    }
                ),
            )
        },
        "/api/v1/signing-batches/{id}": {
            "get": _op("Danh mục lô: số văn bản, trích yếu, SHA-256, kết quả", parameters=ID)
        },
        "/api/v1/signing-batches/{id}/confirm": {
            "post": _op(
                "Lãnh đạo xác nhận ký cả lô (một lần), nhập lại mật khẩu hoặc mã TOTP",
                "202",
                parameters=ID,
                body=_json(
                    {
                        "type": "object",
                        "properties": {"password": {"type": "string"}, "code": {"type": "string"}},
                    }
                ),
            )
        },
        "/api/v1/signing-batches/{id}/retry": {"post": _op("Ký lại các văn bản lỗi", "202", parameters=ID)},
        "/api/v1/inbox": {"get": _op("Hộp thư văn bản đến của đơn vị, từng trang", parameters=PAGE)},
        "/api/v1/deliveries/{id}/status": {
            "post": _op(
                "Cập nhật trạng thái xử lý (02 cần lý do; 03, 04, 05, 06)",
                parameters=ID,
                body=_json(
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"type": "string", "enum": ["02", "03", "04", "05", "06"]},
                            "reason": {"type": "string"},
                        },
                    }
                ),
            )
        },
        "/api/v1/documents/{id}/exchange-update": {
            "post": _op(
                "Gửi gói cập nhật (BussinessDocType 2) tới các cơ quan nhận",
                "202",
                parameters=ID,
                body=_json(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {"reason": {"type": "string"}, "due_date": {"type": "string", "format": "date"}},
                    }
                ),
            )
        },
        "/api/v1/deliveries/{id}/resend": {"post": _op("Văn thư gửi lại một nơi nhận bị lỗi", "202", parameters=ID)},
        "/api/v1/dispatch-board": {
            "get": _op(
                "Bảng theo dõi gửi nhận: từng nơi nhận, trạng thái, thời điểm, quá hạn, gửi lỗi",
                parameters=[{"name": "days", "in": "query", "schema": {"type": "integer"}}, *PAGE],
            )
        },
        "/api/v1/incoming": {
            "get": _op(
                "Văn bản đến mà người dùng được xem",
                parameters=[
                    {"name": "state", "in": "query", "schema": {"type": "string"}},
                    {"name": "year", "in": "query", "schema": {"type": "integer"}},
                    *PAGE,
                ],
            )
        },
        "/api/v1/incoming/import": {
            "post": _op(
                "Văn thư nhập một gói tin edXML nhận qua kênh khác (như khi trục chuyển tới): 201 văn bản đến mới, "
                "200 nếu tệp đã được nhập",
                "201",
                body={
                    "application/xml": {"schema": BINARY},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": BINARY}}},
                },
            )
        },
        "/api/v1/incoming-register": {
            "get": _op(
                "Sổ đăng ký văn bản đến của năm",
                parameters=[{"name": "year", "in": "query", "schema": {"type": "integer"}}],
            )
        },
        "/api/v1/incoming/{id}": {"get": _op("Văn bản đến và quá trình xử lý", parameters=ID)},
        "/api/v1/incoming/{id}/pdf": {"get": _op("Tệp PDF đã ký của văn bản đến", parameters=ID)},
        "/api/v1/incoming/{id}/actions/{action}": {
            "post": _op(
                "Vào sổ (03), trả lại (02), phân công (04), xử lý (05), hoàn thành (06), trả lời thu hồi (15/16)",
                parameters=[
                    *ID,
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "enum": [
                                "register",
                                "return",
                                "assign",
                                "start",
                                "finish",
                                "accept_recall",
                                "refuse_recall",
                            ],
                        },
                    },
                ],
                body=_json(
                    {
                        "type": "object",
                        "properties": {
                            "reason": {"type": "string"},
                            "lead_unit_id": {"type": "integer"},
                            "supporting_unit_ids": {"type": "array", "items": {"type": "integer"}},
                            "deadline": {"type": "string", "format": "date"},
                        },
                    }
                ),
            )
        },
        "/api/v1/notifications": {
            "get": _op(
                "Thông báo của người dùng (gửi lỗi, đề nghị thu hồi, văn bản đến)",
                parameters=[{"name": "unread", "in": "query", "schema": {"type": "integer"}}],
            )
        },
        "/api/v1/notifications/{id}/read": {"post": _op("Đánh dấu đã đọc", parameters=ID)},
        "/api/v1/webhooks": {
            "get": _op("Các webhook (quản trị)"),
            "post": _op(
                "Đăng ký webhook (trả về khóa ký một lần duy nhất)",
                "201",
                body=_json(
                    {
                        "type": "object",
                        "required": ["url"],
                        "properties": {
                            "url": {"type": "string"},
                            "events": {
                                "type": "array",
                                "items": {
                                    "type": "string",
                                    "enum": ["document.issued", "delivery.status_changed", "incoming.received"],
                                },
                            },
                        },
                    }
                ),
            ),
        },
        "/api/v1/webhooks/{id}/deliveries": {"get": _op("Nhật ký gửi của một webhook", parameters=ID)},
        "/api/v1/webhook-deliveries/{id}/replay": {
            "post": _op("Gửi lại một sự kiện (cùng webhook-id)", "202", parameters=ID)
        },
        "/api/v1/registers": {"get": _op("Sổ đăng ký văn bản đi")},
        "/api/v1/registers/{id}/entries.pdf": {
            "get": _op(
                "Sổ đăng ký văn bản đi của năm, bản in PDF",
                parameters=[*ID, {"name": "year", "in": "query", "schema": {"type": "integer"}}],
            )
        },
        "/api/v1/registers/{id}/entries": {
            "get": _op(
                "Các dòng của sổ theo năm (kể cả số hủy)",
                parameters=[*ID, {"name": "year", "in": "query", "schema": {"type": "integer"}}],
            )
        },
    },
}
