"""Tracker links as people paste them, and what batchbind says of those it does not read."""

from __future__ import annotations

import pytest

from batchbind.errors import InputError
from batchbind.jobs.tracking import safe_file_name
from batchbind.tracker.links import Kind, TrackerLink, is_link, parse_link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://acme.feishu.cn/sheets/shtcnmBA0a1b2c3?sheet=0bxF2a",
            TrackerLink(Kind.SHEET, "shtcnmBA0a1b2c3", host="acme.feishu.cn", sheet_id="0bxF2a"),
        ),
        (
            "https://acme.feishu.cn/sheets/shtcnmBA0a1b2c3",
            TrackerLink(Kind.SHEET, "shtcnmBA0a1b2c3", host="acme.feishu.cn"),
        ),
        (
            "https://acme.larksuite.com/base/bascnXyZ123?table=tblAbC&view=vewDeF",
            TrackerLink(
                Kind.BITABLE,
                "bascnXyZ123",
                host="acme.larksuite.com",
                table_id="tblAbC",
                view_id="vewDeF",
            ),
        ),
        (
            "  HTTPS://Acme.Feishu.cn/wiki/wikcnKQ1k3p9?from=from_copylink  ",
            TrackerLink(Kind.WIKI, "wikcnKQ1k3p9", host="acme.feishu.cn"),
        ),
        (
            "http://127.0.0.1:9123/sheets/shtSandbox1?sheet=s1",
            TrackerLink(Kind.SHEET, "shtSandbox1", host="127.0.0.1", sheet_id="s1"),
        ),
    ],
)
def test_links_people_copy_are_read(text: str, expected: TrackerLink) -> None:
    assert is_link(text)
    assert parse_link(text) == expected


def test_a_link_is_shown_with_only_what_batchbind_reads() -> None:
    link = parse_link("https://acme.feishu.cn/base/bascnXyZ123?table=tblAbC&from=x&view=vewDeF")
    assert str(link) == "https://acme.feishu.cn/base/bascnXyZ123?table=tblAbC&view=vewDeF"


@pytest.mark.parametrize("text", ["people.csv", "C:\\lists\\people.xlsx", "/tmp/http.csv"])
def test_paths_are_not_links(text: str) -> None:
    assert not is_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://acme.feishu.cn/docx/doxcnAbC123",
        "https://acme.feishu.cn/drive/folder/fldcnAbC",
        "https://acme.feishu.cn/wiki/space/7012345",
        "https://acme.feishu.cn/sheets/",
        "https:///sheets/shtcnAbC123",
    ],
)
def test_other_feishu_pages_get_one_sentence(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_link(text)
    assert caught.value.key == "tracker_link_unknown"
    assert "Bitable" in caught.value.render("en")[0]
    assert "多维表格" in caught.value.render("zh")[0]


def test_a_query_part_feishu_never_writes_is_refused_without_repeating_it() -> None:
    with pytest.raises(InputError) as caught:
        parse_link("https://acme.feishu.cn/sheets/shtcnAbC123?sheet=<script>")
    said = caught.value.render("en")[0]
    assert caught.value.key == "tracker_link_part" and "'sheet'" in said
    assert "<script>" not in said


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Contoso 日历迁移名单", "Contoso 日历迁移名单"),
        ("Q3: 名单/最终版?", "Q3_ 名单_最终版_"),
        ("CON", "_CON"),  # Windows would open these as devices
        ("aux.list", "_aux.list"),
        ("...", "shtcnX"),  # nothing left: the token
    ],
)
def test_a_documents_title_becomes_a_file_name_every_system_accepts(title: str, name: str) -> None:
    assert safe_file_name(title, "shtcnX") == name
