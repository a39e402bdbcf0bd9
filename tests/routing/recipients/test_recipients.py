"""Reading recipients from the Kính gửi and Nơi nhận lines of the sample letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing.recipients.parse import Line, fold, parse, warnings
from tests.routing.recipients.recipient_blocks import EXPECTED, MORE_BLOCKS, WARNINGS


def test_sample_000_tuyen_quang() -> None:
    lines = parse(
        "Các phòng, đơn vị trực thuộc Sở",
        "- UBND tỉnh; (báo cáo)\n- Như trên; (thực hiện)\n- Lãnh đạo Sở;\n- Lưu: VT, VP.",
    )
    assert lines == [
        Line("UBND tỉnh", "report"),
        Line("Các phòng, đơn vị trực thuộc Sở", "action"),
        Line("Lãnh đạo Sở", "info", "people"),
    ]


def test_sample_002_dak_nong() -> None:
    lines = parse(
        "Các phòng chuyên môn, đơn vị trực thuộc Sở.",
        "- Như trên;\n- UBND tỉnh (b/c);\n- Ban GD Sở;\n- Lưu: VT, VP.",
    )
    assert lines == [
        Line("Các phòng chuyên môn, đơn vị trực thuộc Sở", "action"),
        Line("UBND tỉnh", "report"),
        Line("Ban GD Sở", "info", "people"),
    ]


def test_addressees_are_recipients_without_nhu_tren_and_duplicates_collapse() -> None:
    lines = parse("Sở Nội vụ\nSở Tài chính", "- Sở Nội vụ (để biết);\n- Lưu: VT.")
    assert lines == [Line("Sở Nội vụ", "info"), Line("Sở Tài chính", "action")]


def test_archive_only_gives_no_recipient() -> None:
    assert parse("", "Lưu: VT, VP.") == []


def test_fold_is_accent_and_case_insensitive() -> None:
    assert fold("Sở Tài nguyên và Môi trường") == fold("so tai nguyen va moi truong")
    assert fold("Đắk Nông") == "dak nong"
    assert fold("Phòng, chống dịch") == fold("phong chong dich")


SAMPLES = {
    block["id"]: block
    for block in json.loads((Path(__file__).parents[4] / "shared/samples/recipients.json").read_text())
}


@pytest.mark.parametrize("block_id", sorted(EXPECTED))
def test_real_blocks_read_as_clerks_mean_them(block_id: int) -> None:
    block = SAMPLES[block_id]
    kinh_gui, noi_nhan = block["kinh_gui"] or "", block["noi_nhan"] or ""
    assert [(x.kind, x.purpose, x.label) for x in parse(kinh_gui, noi_nhan)] == EXPECTED[block_id]
    assert warnings(kinh_gui, noi_nhan) == WARNINGS.get(block_id, [])


@pytest.mark.parametrize("block_id", sorted(MORE_BLOCKS))
def test_more_ways_clerks_write_recipients(block_id: int) -> None:
    kinh_gui, noi_nhan, expected = MORE_BLOCKS[block_id]
    assert [(x.kind, x.purpose, x.label) for x in parse(kinh_gui, noi_nhan)] == expected


def test_the_table_covers_every_sample() -> None:
    assert set(EXPECTED) == set(SAMPLES) and len(SAMPLES) >= 40
    kinds = {kind for lines in EXPECTED.values() for kind, _, _ in lines}
    purposes = {purpose for lines in EXPECTED.values() for _, purpose, _ in lines}
    assert kinds == {"organisation", "people", "reference"}
    assert purposes == {"action", "report", "info", "coordinate"}


@pytest.mark.parametrize(
    ("written", "purpose"),
    [
        ("Bộ Y tế (b/c);", "report"),
        ("Bộ Y tế (để b/c);", "report"),
        ("Bộ Y tế (để báo cáo);", "report"),
        ("Bộ Y tế; (để b/c)", "report"),
        ("Bộ Y tế “ báo cáo”;", "report"),
        ("Bộ Y tế (báo cáo);", "report"),
        ("Bộ Y tế (để biết);", "info"),
        ("Bộ Y tế (thực hiện);", "action"),
        ("Bộ Y tế (t/h);", "action"),
        ("Bộ Y tế (phối hợp);", "coordinate"),
        ("Bộ Y tế (để phối hợp);", "coordinate"),
        ("Bộ Y tế (ph/hợp thực hiện);", "coordinate"),
        ("Bộ Y tế (để ph/h th/h);", "coordinate"),
        ("Bộ Y tế;", "info"),
    ],
)
def test_every_usual_annotation_sets_the_purpose_and_leaves_the_label(written: str, purpose: str) -> None:
    assert parse("", f"- {written}\n- Lưu: VT.") == [Line("Bộ Y tế", purpose)]


def test_a_brace_gives_its_purpose_to_every_line_of_its_group() -> None:
    below = "- Như trên;\n- Bộ Y tế;\n- Bộ Tài chính;\n} để báo cáo\n- UBND tỉnh;\n- Lưu: VT."
    beside = "- Như trên;\n- Bộ Y tế;\n- Bộ Tài chính;   } (để b/c)\n- UBND tỉnh;\n- Lưu: VT."
    for noi_nhan in (below, beside):
        assert parse("Sở Nội vụ", noi_nhan) == [
            Line("Sở Nội vụ", "action"),
            Line("Bộ Y tế", "report"),
            Line("Bộ Tài chính", "report"),
            Line("UBND tỉnh", "info"),
        ]
    # The group starts after the last line with its own annotation.
    lines = parse("", "- Sở Y tế (để biết);\n- Bộ Y tế;\n- Bộ Tài chính; } để báo cáo\n- Lưu: VT.")
    assert [x.purpose for x in lines] == ["info", "report", "report"]


def test_comrades_and_positions_are_people() -> None:
    lines = parse(
        "",
        "- Đ/c Chủ tịch UBND TP;\n- Giám đốc Sở;\n- Các đ/c Phó GD Sở;\n- Lãnh đạo Sở;\n- đ/c Hoàng Văn Minh;\n"
        "- Sở Y tế;\n- TT KSBT Hà Nội;\n- Lưu: VT.",
    )
    assert [(x.label, x.kind) for x in lines] == [
        ("Chủ tịch UBND TP", "people"),
        ("Giám đốc Sở", "people"),
        ("Phó GD Sở", "people"),
        ("Lãnh đạo Sở", "people"),
        ("Hoàng Văn Minh", "people"),
        ("Sở Y tế", "organisation"),
        ("TT KSBT Hà Nội", "organisation"),  # a Trung tâm, not a Thứ trưởng
    ]


def test_same_as_above_without_kinh_gui_is_a_warning() -> None:
    assert parse("", "- Như trên;\n- Lưu: VT.") == []
    assert warnings("", "- Như trên;\n- Lưu: VT.") == [
        "Nơi nhận ghi “Như trên” nhưng văn bản không có “Kính gửi”: không có ai được gửi theo dòng đó."
    ]
    assert warnings("Sở Y tế", "- Như trên;\n- Lưu: VT.") == []
