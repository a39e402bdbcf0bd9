"""Reading recipients from the Kính gửi and Nơi nhận lines of the sample letters."""

from __future__ import annotations

from routing.recipients import Line, fold, parse


def test_sample_000_tuyen_quang() -> None:
    lines = parse(
        "Các phòng, đơn vị trực thuộc Sở",
        "- UBND tỉnh; (báo cáo)\n- Như trên; (thực hiện)\n- Lãnh đạo Sở;\n- Lưu: VT, VP.",
    )
    assert lines == [
        Line("UBND tỉnh", "report"),
        Line("Các phòng, đơn vị trực thuộc Sở", "action"),
        Line("Lãnh đạo Sở", "info"),
    ]


def test_sample_002_dak_nong() -> None:
    lines = parse(
        "Các phòng chuyên môn, đơn vị trực thuộc Sở.",
        "- Như trên;\n- UBND tỉnh (b/c);\n- Ban GD Sở;\n- Lưu: VT, VP.",
    )
    assert lines == [
        Line("Các phòng chuyên môn, đơn vị trực thuộc Sở", "action"),
        Line("UBND tỉnh", "report"),
        Line("Ban GD Sở", "info"),
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
