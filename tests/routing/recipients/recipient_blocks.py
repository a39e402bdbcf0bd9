"""The 40 real "Kính gửi"/"Nơi nhận" blocks of ../shared/samples/recipients.json and what congvan reads in
each: every recipient once, in order, with its kind (an organisation, people, or a reference to an article), its
purpose and its label. Written from the parser's output and checked line by line against the source text; the
comments say where a reading is a choice."""

from __future__ import annotations

ORG, PEOPLE, REF = "organisation", "people", "reference"
ACTION, REPORT, INFO, COORDINATE = "action", "report", "info", "coordinate"

EXPECTED: dict[int, list[tuple[str, str, str]]] = {
    # an enumeration (Các Bộ: …) is one recipient a name; a line naming several people stays one line; a body
    # with its own units and people after a colon ("VPCP: BTCN, các Vụ: TH") is that body, which passes it on
    1: [
        (ORG, ACTION, "Bộ Công an"),
        (ORG, ACTION, "Bộ Tư pháp"),
        (ORG, ACTION, "Bộ Tài chính"),
        (ORG, ACTION, "Bộ Xây dựng"),
        (ORG, ACTION, "Bộ Nông nghiệp và Môi trường"),
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Đồng Nai"),
        (PEOPLE, REPORT, "Thủ tướng, PTTgTT Phạm Gia Túc"),
        (ORG, INFO, "UBND TP. Hồ Chí Minh"),
        (ORG, INFO, "VPCP"),
    ],
    2: [
        (PEOPLE, INFO, "Bí thư Thành ủy"),
        (ORG, REPORT, "Thường trực Thành ủy"),
        (PEOPLE, INFO, "Chủ tịch UBND Thành phố"),
        (PEOPLE, INFO, "Các PCT UBND Thành phố"),
        (ORG, INFO, "Văn phòng Thành ủy"),
        (ORG, INFO, "Các Sở, ban, ngành Thành phố"),
        (ORG, COORDINATE, "UBND các phường, xã"),
        (ORG, INFO, "Các Ban QLDA ĐTXD Thành phố"),
        (ORG, INFO, "Cty TNHH MTV Thoát nước HN"),
        (ORG, INFO, "Các đơn vị duy trì thoát nước và XLNT"),
        (ORG, INFO, "VP UBĐT"),
    ],
    3: [
        (PEOPLE, INFO, "Bí thư Thành ủy"),
        (ORG, INFO, "Thường trực Thành ủy"),
        (ORG, INFO, "Thường trực HĐND Thành phố"),
        (PEOPLE, INFO, "Chủ tịch UBND Thành phố"),
        (PEOPLE, INFO, "Các Phó Chủ tịch UBND Thành phố"),
        (ORG, INFO, "UB MTTQ VN TP và các đoàn thể TP"),
        (ORG, INFO, "UBND các phường, xã"),
        (ORG, INFO, "Cơ quan Báo&PT, TH Thành phố"),
        (ORG, INFO, "VPUB"),
    ],
    # “Như Điều 4” names the subjects of an article: kept as a reference the drafter is warned about
    4: [
        (REF, INFO, "Như Điều 4"),
        (ORG, INFO, "Bộ NN&PTNT"),
        (ORG, INFO, "Cục KS TTHC - VPCP"),
        (PEOPLE, INFO, "CT, các PCT UBND tỉnh"),
        (ORG, INFO, "Cổng TTĐT QB"),
    ],
    5: [
        (PEOPLE, ACTION, "Hiệu trưởng trường Trung học phổ thông"),
        (PEOPLE, ACTION, "Giám đốc trung tâm giáo dục thường xuyên"),
        (PEOPLE, ACTION, "Hiệu trưởng trường Bổ túc văn hoá trực thuộc và trường ngành"),
    ],
    # “Đồng chí Chủ tịch UBND các tỉnh: …” is one chairman a province; the brace-free group expands too
    6: [
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Yên Bái"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Hòa Bình"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Thái Nguyên"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Nam Định"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Sóc Trăng"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Trà Vinh"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Vĩnh Long"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Thanh Hóa"),
        (PEOPLE, ACTION, "Chủ tịch Ủy ban nhân dân tỉnh Thái Bình"),
        (PEOPLE, REPORT, "TTgCP, các Phó TTgCP"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Yên Bái"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Hòa Bình"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Thái Nguyên"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Nam Định"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Thái Bình"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Sóc Trăng"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Trà Vinh"),
        (ORG, INFO, "Tổ công tác thực hiện Đề án 30 tỉnh Vĩnh Long"),
        (ORG, REPORT, "VPCP"),
        (ORG, INFO, "TCTCT"),
    ],
    7: [
        (ORG, INFO, "Bộ Tư pháp (Cục Kiểm tra VBQPPL)"),
        (REF, INFO, "Như Điều 3"),
        (ORG, INFO, "Website của tỉnh và VPUBND tỉnh"),
        (ORG, INFO, "Công báo tỉnh"),
    ],
    8: [
        (ORG, ACTION, "Các Sở Giáo dục và Đào tạo"),
        (PEOPLE, REPORT, "Bộ trưởng"),
        (PEOPLE, REPORT, "TT. Phạm Ngọc Thưởng"),
        (PEOPLE, REPORT, "Vụ trưởng"),
    ],
    9: [
        (ORG, ACTION, "Bảo hiểm xã hội các tỉnh, thành phố trực thuộc Trung ương"),
        (ORG, ACTION, "Bảo hiểm xã hội Bộ Quốc phòng"),
        (ORG, ACTION, "Bảo hiểm xã hội Công an nhân dân"),
        (ORG, ACTION, "Bảo hiểm xã hội Ban Cơ yếu Chính phủ"),
        (PEOPLE, REPORT, "Tổng Giám đốc"),
        (PEOPLE, INFO, "Các Phó TCĐ"),
        (ORG, INFO, "Ban Thu"),
        (ORG, INFO, "Ban TH CSBHXH"),
    ],
    10: [
        (ORG, INFO, "Các đơn vị sử dụng lao động"),
        (PEOPLE, INFO, "Ban Giám đốc"),
        (ORG, INFO, "Các phòng chức năng"),
        (ORG, INFO, "BHXH quận, huyện"),
        (ORG, INFO, "Đăng tải trên website BHXH/TP"),
    ],
    11: [
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Thừa ThiênHuế"),
        (PEOPLE, REPORT, "TTg, PTTg Nguyễn Sinh Hùng"),
        (PEOPLE, REPORT, "Trương Tấn Sang"),
        (ORG, INFO, "Văn phòng Trung ương Đảng"),
        (ORG, INFO, "Bộ KH&ĐT"),
        (ORG, INFO, "Bộ TC"),
        (ORG, INFO, "Bộ NN&PTNT"),
        (ORG, INFO, "Bộ GTVT"),
        (ORG, INFO, "Bộ TN&MT"),
        (ORG, INFO, "Bộ LĐTBXH"),
        (ORG, INFO, "Tỉnh ủy Thừa Thiên Huế"),
        (ORG, INFO, "HĐND tỉnh Thừa Thiên Huế"),
        (ORG, INFO, "VPCP"),
    ],
    # “Cổng TTĐT, các Vụ: TH, V.III”: what comes before the last comma stands alone
    12: [
        (ORG, ACTION, "Bộ Xây dựng"),
        (PEOPLE, INFO, "Thủ tướng CP, PTTg Hoàng Trung Hải"),
        (ORG, INFO, "Bộ Giao thông vận tải"),
        (ORG, INFO, "Ủy ban nhân dân tỉnh Trà Vinh"),
        (ORG, INFO, "VPCP"),
        (ORG, INFO, "Cổng TTĐT"),
        (ORG, INFO, "Vụ TH"),
        (ORG, INFO, "Vụ V.III"),
    ],
    # “Website CP” written among the Vụ is read as the writer wrote it
    13: [
        (ORG, ACTION, "Bộ Xây dựng"),
        (ORG, ACTION, "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        (PEOPLE, INFO, "Thủ tướng CP, PTTg Hoàng Trung Hải"),
        (ORG, INFO, "Bộ TC"),
        (ORG, INFO, "Bộ TN&MT"),
        (ORG, INFO, "Bộ KH&CN"),
        (ORG, INFO, "UBND TP Hà Nội"),
        (ORG, INFO, "VPCP"),
        (ORG, INFO, "Vụ TH"),
        (ORG, INFO, "Vụ KTTH"),
        (ORG, INFO, "Vụ KG"),
        (ORG, INFO, "Vụ Website CP"),
    ],
    14: [
        (ORG, ACTION, "BộCông Thương"),
        (PEOPLE, INFO, "TTCP, PTT Hoàng Trung Hải"),
        (ORG, INFO, "VPCP"),
    ],
    15: [
        (ORG, ACTION, "Bộ Xây dựng"),
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Quảng Ninh"),
        (PEOPLE, INFO, "Thủ tướng CP, PTTg Hoàng Trung Hải"),
        (ORG, INFO, "VPCP"),
    ],
    16: [
        (PEOPLE, INFO, "Chủ tịch UBND tỉnh Quảng Ninh"),
        (ORG, INFO, "Ban Thi đua-Khen thưởng TW"),
        (PEOPLE, INFO, "BTCN VPCP"),
        (ORG, INFO, "Website Chính phủ"),
    ],
    17: [
        (ORG, ACTION, "Cục hải quan Hà Nội"),
    ],
    # a line broken in the middle (no dash, the previous not ended) is joined to it
    18: [
        (ORG, ACTION, "Bộ Lao động-Thương binh và Xã hội"),
        (PEOPLE, INFO, "Thủ tướng, PTT Nguyễn Sinh Hùng"),
        (ORG, INFO, "VPCP"),
    ],
    19: [
        (ORG, ACTION, "Bộ Tài chính"),
        (PEOPLE, INFO, "TTgCP, PTTg Nguyễn Sinh Hùng"),
        (ORG, INFO, "UBND tỉnh Đồng Tháp"),
        (ORG, INFO, "UBND tỉnh Hà Tĩnh"),
        (ORG, INFO, "VPCP"),
    ],
    # the signature block caught in the paste (“KT. CHỦ TỊCH”) is not a recipient
    20: [
        (ORG, ACTION, "Sở Y tế"),
        (ORG, ACTION, "Sở Tài chính"),
        (ORG, ACTION, "Sở Thông tin và Truyền thông"),
        (ORG, ACTION, "Ủy ban nhân dân các quận - huyện"),
        (ORG, INFO, "TTUB"),
        (ORG, INFO, "VPUB"),
        (ORG, INFO, "Phòng VX"),
    ],
    21: [
        (ORG, ACTION, "Sở Kế hoạch và Đầu tư"),
        (ORG, ACTION, "Sở Tài chính"),
        (ORG, ACTION, "Kho bạc nhà nước thành phố"),
        (ORG, INFO, "TTUB"),
        (ORG, INFO, "Sở Ban ngành"),
        (ORG, INFO, "Ủy ban nhân dân các quận huyện"),
        (ORG, INFO, "VPUB"),
        (ORG, INFO, "Phòng TCTMDV, THKH"),
    ],
    # “TT.TU” is Thường trực Tỉnh ủy (no name after it); annotations in quotes count
    22: [
        (ORG, REPORT, "TT.TU"),
        (PEOPLE, INFO, "CT,PCT. UBT"),
        (ORG, INFO, "Ban TCTU"),
        (PEOPLE, INFO, "BLĐ. VP.UBT"),
        (ORG, INFO, "Các Phòng NC"),
        (REF, INFO, "Như điều 3"),
        (ORG, INFO, "Báo Vĩnh Long (đăng báo)"),
        (ORG, INFO, "Trung tâm Công báo"),
    ],
    23: [
        (ORG, ACTION, "Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ"),
        (ORG, ACTION, "UBND các tỉnh, thành phố trực thuộc Trung ương"),
        (ORG, ACTION, "Văn phòng Trung ương"),
        (ORG, ACTION, "Văn phòng Chủ tịch nước"),
        (ORG, ACTION, "Văn phòng Quốc hội"),
        (ORG, ACTION, "UBTW Mặt trận Tổ quốc Việt Nam"),
        (ORG, ACTION, "Cơ quan Trung ương của các đoàn thể"),
        (PEOPLE, INFO, "Thủ tướng, các Phó Thủ tướng Chính phủ"),
        (ORG, INFO, "VPCP"),
    ],
    24: [
        (PEOPLE, REPORT, "Bộ trưởng"),
        (PEOPLE, REPORT, "Thứ trưởng Nguyễn Thị Nghĩa"),
        (ORG, ACTION, "Sở Giáo dục và Đào tạo các tỉnh, thành phố"),
    ],
    25: [
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Khành Hòa"),
        (ORG, ACTION, "Bộ Ngoại giao"),
        (ORG, ACTION, "Bộ Công an"),
        (PEOPLE, INFO, "TTg CP, PTTg Phạm Gia Khiêm"),
        (ORG, INFO, "VPCP"),
        (ORG, INFO, "Vụ TH; Cổng TTĐT"),
    ],
    26: [
        (ORG, ACTION, "Bộ Xây dựng"),
        (ORG, ACTION, "Ủy ban nhân dân thành phố Hà Nội"),
        (PEOPLE, INFO, "Thủ tướng CP, PTTg Hoàng Trung Hải"),
        (ORG, INFO, "Bộ TP"),
        (ORG, INFO, "Bộ KH&CN"),
        (ORG, INFO, "Bộ GTVT"),
        (ORG, INFO, "Bộ TN&MT"),
        (ORG, INFO, "VPCP"),
    ],
    27: [
        (ORG, ACTION, "Trung tâm Phát triển Quỹ đất tỉnh"),
    ],
    # Nơi nhận interleaved with the signature block
    28: [
        (ORG, ACTION, "Thường trực Hội đồng nhân dân huyện"),
    ],
    29: [
        (ORG, ACTION, "Văn phòng các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ"),
        (ORG, ACTION, "Văn phòng Đảng bộ, Hội đồng nhân dân, UBND các tỉnh, thành phố trực thuộc Trung ương"),
        (PEOPLE, REPORT, "TTg"),
        (ORG, INFO, "VPCP"),
    ],
    30: [
        (ORG, ACTION, "Uỷ ban nhân dân thành phố Hà Nội"),
        (ORG, ACTION, "Viện Vệ sinh dịch tễ Trung ương"),
        (ORG, ACTION, "Trường Đại học Y Hà Nôi"),
        (ORG, ACTION, "Bệnh viện Bạch Mai"),
        (PEOPLE, REPORT, "Thủ tướng Chính phủ"),
        (PEOPLE, REPORT, "PTTg Vũ Đức Đam, Trưởng BCĐQG"),
        (PEOPLE, INFO, "Thứ trưởng"),
        (ORG, INFO, "YTDP"),
        (ORG, INFO, "KCB"),
        (ORG, INFO, "TTKT"),
        (ORG, COORDINATE, "Sở Y tế Hà Nội"),
        (ORG, INFO, "TT KSBT Hà Nội"),
    ],
    # a lone dash joined to the next line
    31: [
        (ORG, ACTION, "Hội Nhà báo Việt Nam"),
        (ORG, ACTION, "Bộ Văn hóa, Thể thao và Du lịch"),
        (PEOPLE, INFO, "Thủ tướng, các Phó Thủ tướng Chính phủ"),
        (ORG, INFO, "Bộ KH&ĐT"),
        (ORG, INFO, "Bộ TC"),
        (ORG, INFO, "Bộ NV"),
        (ORG, INFO, "Bộ TT&TT"),
        (ORG, INFO, "Bộ XD"),
        (ORG, INFO, "Văn phòng Trung ương Đảng"),
        (ORG, INFO, "Văn phòng Tổng bí thư"),
        (ORG, INFO, "Văn phòng Chủ tịch nước"),
        (ORG, INFO, "Văn phòng Quốc hội"),
        (ORG, INFO, "Ban Tuyên giáo Trung ương"),
        (ORG, INFO, "Ủy ban Trung ương MTTQ Việt Nam"),
        (ORG, INFO, "Cơ quan Trung ương của các đoàn thể"),
        (ORG, INFO, "VPCP"),
    ],
    32: [
        (ORG, ACTION, "Các cơ quan báo chí thuộc Bộ"),
        (PEOPLE, REPORT, "Lãnh đạo Bộ"),
    ],
    # “TT Huỳnh Vĩnh Ái”: Thứ trưởng before a personal name; the archive line has no colon
    33: [
        (ORG, ACTION, "Sở Văn hóa, Thể thao và Du lịch tỉnh Phú Thọ"),
        (PEOPLE, REPORT, "Bộ trưởng"),
        (PEOPLE, REPORT, "TT Huỳnh Vĩnh Ái"),
        (ORG, INFO, "UBND tỉnh Phú Thọ"),
    ],
    34: [
        (ORG, ACTION, "Ban quản lý Lăng Chủ tịch Hồ Chí Minh"),
        (ORG, ACTION, "Khu di tích Chủ tịch Hồ Chí Minh tại Phủ chủ tịch"),
        (ORG, ACTION, "Sở Văn hóa, Thể thao và Du lịch các tỉnh, thành phố"),
        (ORG, ACTION, "Ban quản lý di tích, danh thắng các tỉnh, thành phố"),
        (ORG, ACTION, "Các bảo tàng thuộc Bộ Văn hóa, Thể thao và Du lịch"),
        (ORG, ACTION, "Các bảo tàng chuyên ngành; bảo tàng tỉnh, thành phố"),
        (ORG, ACTION, "Các bảo tàng ngoài công lập"),
        (PEOPLE, REPORT, "Bộ trưởng Hoàng Tuấn Anh"),
        (ORG, COORDINATE, "Tổng Cục Du lịch"),
        (ORG, COORDINATE, "Cục Tư tưởng Văn hóa, Tổng Cục Chính trị, Bộ Quốc phòng"),
    ],
    35: [
        (ORG, ACTION, "Sở Văn hoá, Thể thao và Du lịch tỉnh Bình Dương"),
        (PEOPLE, REPORT, "Bộ trưởng"),
        (PEOPLE, INFO, "TT Huỳnh Vĩnh Ái"),
        (ORG, INFO, "UBND tỉnh Bình Dương"),
        (ORG, INFO, "Sở VHTTDL tỉnh Bình Dương"),
    ],
    # the source transcription broke “Bộ trưởng” and “Thứ trưởng” in two: kept as the text has them
    36: [
        (ORG, ACTION, "Ủy ban nhân dân Hồ Chí Minh"),
        (ORG, ACTION, "Ủy ban nhân dân Hải Phòng"),
        (ORG, ACTION, "Ủy ban nhân dân Thanh Hóa"),
        (ORG, ACTION, "Ủy ban nhân dân Đồng Nai"),
        (ORG, ACTION, "Ủy ban nhân dân Bình Định"),
        (ORG, ACTION, "Ủy ban nhân dân Vĩnh Phúc"),
        (ORG, ACTION, "Ủy ban nhân dân Bắc Giang"),
        (ORG, ACTION, "Ủy ban nhân dân Hà Nam"),
        (ORG, ACTION, "Ủy ban nhân dân Điện Biên"),
        (ORG, ACTION, "Ủy ban nhân dân Bình Phước"),
        (ORG, REPORT, "Bộ trư ng"),
        (ORG, INFO, "Thứ tr ưởng Đặng Thị Bích Liên"),
    ],
    37: [
        (ORG, ACTION, "Các đơn vị thuộc Bộ"),
        (ORG, ACTION, "Sở Văn hoá, Thể thao và Du lịch các tỉnh/thành"),
        (PEOPLE, REPORT, "Bộ trưởng"),
        (ORG, INFO, "Các đơn vị có liên quan"),
    ],
    # “Kínhgửi:” without its space
    38: [
        (ORG, ACTION, "Bộ Tài chính"),
        (PEOPLE, INFO, "TTgCP, PTTg Hoàng Trung Hải"),
        (ORG, INFO, "UBND TP Hà Nội"),
        (ORG, INFO, "VPCP"),
    ],
    39: [
        (ORG, ACTION, "Bộ Giao thông vận tải"),
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Quảng Nam"),
        (PEOPLE, INFO, "Thủ tướng, các PTTg Chính phủ"),
        (ORG, INFO, "Bộ QP"),
        (ORG, INFO, "Bộ KH&ĐT"),
        (ORG, INFO, "Bộ TC"),
        (ORG, INFO, "Bộ XD"),
        (ORG, INFO, "Bộ TP"),
        (ORG, INFO, "Bộ TN&MT"),
        (ORG, INFO, "Bộ KH&CN"),
        (ORG, INFO, "Bộ VH"),
        (ORG, INFO, "Bộ TT&DL"),
        (ORG, INFO, "Bộ CA"),
        (ORG, INFO, "VPCP"),
    ],
    40: [
        (ORG, ACTION, "Bộ Giao thông vận tải"),
        (ORG, ACTION, "Ủy ban nhân dân tỉnh Thừa Thiên Huế"),
        (PEOPLE, INFO, "Thủ tướng, PTTg Trịnh Đình Dũng"),
        (ORG, INFO, "Bộ KH&ĐT"),
        (ORG, INFO, "Bộ Tài chính"),
        (ORG, INFO, "VPCP"),
    ],
}

# The drafter's warnings, by block (none for the others).
WARNINGS: dict[int, list[str]] = {
    4: ["Nơi nhận “Như Điều 4” chỉ đến một điều của văn bản: hãy ghi rõ tên từng cơ quan, đơn vị để gửi."],
    7: ["Nơi nhận “Như Điều 3” chỉ đến một điều của văn bản: hãy ghi rõ tên từng cơ quan, đơn vị để gửi."],
    22: ["Nơi nhận “Như điều 3” chỉ đến một điều của văn bản: hãy ghi rõ tên từng cơ quan, đơn vị để gửi."],
}


# Blocks written as clerks write them, beyond the 40 samples: one for each way of writing that the samples do
# not show (several bodies on one line, an enumeration of two kinds, a purpose in brackets after an
# enumeration, abbreviated ministers, a body with its units wrapped onto the next line, a note of copies after a
# reference, an enumeration of districts without "các", a signature block pasted with or without dashes).
MORE_BLOCKS: dict[int, tuple[str, str, list[tuple[str, str, str]]]] = {
    41: (
        "Kính gửi: Sở Tài nguyên và Môi trường.",
        "Nơi nhận:\n- Như trên;\n- Tỉnh ủy, TT. HĐND tỉnh, TT. UBND tỉnh (b/c);\n"
        "- Các Sở, cơ quan: Nông nghiệp và PTNT, Công thương (phối hợp TH);\n- Lưu: VT, KT.\n"
        "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn Sơn",
        [
            (ORG, ACTION, "Sở Tài nguyên và Môi trường"),
            (ORG, REPORT, "Tỉnh ủy"),
            (ORG, REPORT, "TT. HĐND tỉnh"),
            (ORG, REPORT, "TT. UBND tỉnh"),
            (ORG, COORDINATE, "Sở Nông nghiệp và PTNT"),
            (ORG, COORDINATE, "Sở Công thương"),
        ],
    ),
    42: (
        "",
        "Nơi nhận:\n- Thành ủy, HĐND, UBND thành phố (để b/c);\n- BT. Đỗ Đức Duy (để b/c);\n- TTr. Lê Công Thành;\n"
        "- PTTg Trần Hồng Hà;\n- VPCP: BTCN, các PCN,\n  các Vụ: TH, KTTH;\n- Như Điều 3 (Sở Nội vụ 3 bản);\n"
        "- Lưu: VT, TCCB.\nGIÁM ĐỐC",
        [
            (ORG, REPORT, "Thành ủy"),
            (ORG, REPORT, "HĐND thành phố"),
            (ORG, REPORT, "UBND thành phố"),
            (PEOPLE, REPORT, "BT. Đỗ Đức Duy"),
            (PEOPLE, INFO, "TTr. Lê Công Thành"),
            (PEOPLE, INFO, "PTTg Trần Hồng Hà"),
            (ORG, INFO, "VPCP"),  # the wrapped "các Vụ: TH, KTTH" are VPCP's, which passes it on
            (REF, INFO, "Như Điều 3"),  # "(Sở Nội vụ 3 bản)" is a note of copies
        ],
    ),
    43: (
        "Kính gửi: UBND huyện: Chiêm Hóa, Hàm Yên.",
        "Nơi nhận:\nNhư trên;\nSở Y tế;\nLưu: VT.\nGIÁM ĐỐC\n(Đã ký)\nTrần Văn Bình",
        [
            (ORG, ACTION, "UBND huyện Chiêm Hóa"),
            (ORG, ACTION, "UBND huyện Hàm Yên"),
            (ORG, INFO, "Sở Y tế"),  # the undashed signature block after it is nobody to send to
        ],
    ),
    44: (
        "",
        "Nơi nhận:\n- Thường trực Đảng ủy xã (b/c);\n- TT HĐND, UBND xã (chỉ đạo);\n- Các ban, ngành, đoàn thể xã;\n"
        "- Lưu: VT, VP.\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n(đã ký)\nNguyễn Văn Vũ",
        [
            (ORG, REPORT, "Thường trực Đảng ủy xã"),
            (ORG, REPORT, "TT HĐND xã"),  # "(chỉ đạo)": to a superior, as a report
            (ORG, REPORT, "UBND xã"),
            (ORG, INFO, "Các ban, ngành, đoàn thể xã"),  # generic kinds in lower case: one line
        ],
    ),
}
