"""The default language follows the operating system: the values Windows, macOS and Linux report.

No Windows or macOS machine runs these tests: the values those systems report are fed in through
the environment, `locale.getlocale` and the Windows display-language call, and the decision is
checked (Python on a Chinese Windows reports `('Chinese (Simplified)_China', '936')`).
"""

from __future__ import annotations

import locale
import sys

import pytest

from batchbind.output import i18n

POSIX_VARS = ("BATCHBIND_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No language variable set and an English system, unless a test says otherwise."""
    for name in POSIX_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(locale, "getlocale", lambda *a: ("en_US", "UTF-8"))
    monkeypatch.setattr(i18n, "_windows_ui_language", lambda: None)
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        # Windows: what locale.getlocale() reports (the regional format, in words)
        ("Chinese (Simplified)_China", "zh"),
        ("Chinese (Simplified)_Singapore", "zh"),
        ("Chinese (Traditional)_Taiwan", "zh"),
        ("Chinese (Traditional)_Hong Kong SAR", "zh"),
        ("Chinese_Taiwan", "zh"),
        ("Chinese_People's Republic of China", "zh"),
        ("English_United States", "en"),
        ("Japanese_Japan", "en"),
        # macOS and Linux
        ("zh_CN.UTF-8", "zh"),
        ("zh_TW.UTF-8", "zh"),
        ("zh_HK.Big5HKSCS", "zh"),
        ("zh_CN.GB18030", "zh"),
        ("zh-Hans", "zh"),
        ("zh_Hant_TW", "zh"),
        ("zh", "zh"),
        ("en_US.UTF-8", "en"),
        ("en_GB", "en"),
        ("C.UTF-8", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("", None),
    ],
)
def test_a_locale_name_as_each_system_spells_it(name: str, lang: str | None) -> None:
    assert i18n.lang_of_locale(name) == lang


@pytest.mark.parametrize(
    ("langid", "lang"),
    [
        (0x0804, "zh"),  # zh-CN
        (0x1004, "zh"),  # zh-SG
        (0x0404, "zh"),  # zh-TW
        (0x0C04, "zh"),  # zh-HK
        (0x1404, "zh"),  # zh-MO
        (0x0409, "en"),  # en-US
        (0x0411, "en"),  # ja-JP
        (0, None),
        (None, None),
    ],
)
def test_a_windows_display_language(langid: int | None, lang: str | None) -> None:
    assert i18n.lang_of_langid(langid) == lang


@pytest.mark.parametrize(
    "reported",
    [("Chinese (Simplified)_China", "936"), ("Chinese_Taiwan", "950"), ("zh_CN", "UTF-8")],
)
def test_a_chinese_system_with_no_language_variable_is_chinese(
    bare: pytest.MonkeyPatch, reported: tuple[str, str]
) -> None:
    bare.setattr(locale, "getlocale", lambda *a: reported)
    assert i18n.default_lang() == "zh"


def test_an_unparsable_locale_is_english(bare: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> tuple[str, str]:
        raise ValueError("unknown locale: UTF-8")

    bare.setattr(locale, "getlocale", broken)
    assert i18n.default_lang() == "en"


def test_on_windows_the_display_language_decides(bare: pytest.MonkeyPatch) -> None:
    bare.setattr(sys, "platform", "win32")
    bare.setattr(i18n, "_windows_ui_language", lambda: 0x0804)
    assert i18n.default_lang() == "zh"  # the regional format says English (the fixture)
    bare.setattr(i18n, "_windows_ui_language", lambda: 0x0409)
    bare.setattr(locale, "getlocale", lambda *a: ("Chinese (Simplified)_China", "936"))
    assert i18n.default_lang() == "en"
    bare.setattr(i18n, "_windows_ui_language", lambda: None)  # the call failed: the locale
    assert i18n.default_lang() == "zh"


def test_the_windows_call_is_not_made_elsewhere(bare: pytest.MonkeyPatch) -> None:
    bare.setattr(sys, "platform", "linux")
    bare.setattr(i18n, "_windows_ui_language", lambda: 0x0804)
    assert i18n.default_lang() == "en"


def test_the_real_windows_call_answers_none_off_windows() -> None:
    if sys.platform != "win32":
        assert i18n._windows_ui_language() is None


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_TW.UTF-8"}, "zh"),
        ({"LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LANGUAGE": "zh_CN:en_US"}, "zh"),
        ({"LANGUAGE": "zh_CN", "LANG": "en_US.UTF-8"}, "zh"),  # gettext reads LANGUAGE first
        ({"LANGUAGE": "zh_CN", "LC_ALL": "C"}, "en"),  # ... unless the locale is C
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins over LANG
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"BATCHBIND_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
        ({"BATCHBIND_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"BATCHBIND_LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_the_language_variables(bare: pytest.MonkeyPatch, env: dict[str, str], lang: str) -> None:
    for name, value in env.items():
        bare.setenv(name, value)
    assert i18n.default_lang() == lang


def test_a_c_locale_is_english_even_on_a_chinese_system(bare: pytest.MonkeyPatch) -> None:
    bare.setattr(locale, "getlocale", lambda *a: ("Chinese (Simplified)_China", "936"))
    bare.setenv("LANG", "C.UTF-8")
    assert i18n.default_lang() == "en"
