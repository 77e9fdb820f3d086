"""The one vocabulary: every supported UI language's words, any case (pure)."""

from __future__ import annotations

import pytest

from kenny_wa import words

# language: (today, yesterday, monday, sunday, january, march, december, you, edited)
LANGUAGES = {
    "en": ("Today", "Yesterday", "Monday", "Sunday", "January", "Mar", "December", "You", "Edited"),
    "pt": ("Hoje", "Ontem", "segunda-feira", "domingo", "janeiro", "mar", "dezembro", "Você", "Editada"),
    "es": ("Hoy", "Ayer", "lunes", "domingo", "enero", "marzo", "dic", "Tú", "Editado"),
    "de": ("Heute", "Gestern", "Montag", "Sonntag", "Januar", "März", "Dez", "Du", "Bearbeitet"),
    "fr": ("Aujourd’hui", "Hier", "lundi", "dimanche", "janvier", "mars", "déc", "Vous", "Modifié"),
    "it": ("Oggi", "Ieri", "lunedì", "domenica", "gennaio", "mar", "dicembre", "Io", "Modificato"),
    "tr": ("Bugün", "Dün", "Pazartesi", "Pazar", "Ocak", "Mart", "Aralık", "Sen", "Düzenlendi"),
    "nl": ("Vandaag", "Gisteren", "maandag", "zondag", "januari", "mrt", "december", "Jij", "Bewerkt"),
    "ja": ("今日", "昨日", "月曜日", "日曜日", None, None, None, "あなた", "編集済み"),
    "zh": ("今天", "昨天", "星期一", "星期日", None, None, None, "你", "已编辑"),
    "ko": ("오늘", "어제", "월요일", "일요일", None, None, None, "나", "수정됨"),
}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("case", [str, str.upper, str.lower, str.title])
def test_every_language_in_any_case(lang: str, case) -> None:
    today, yesterday, monday, sunday, january, march, december, you, edited = LANGUAGES[lang]
    assert words.RELATIVE_DAYS[words.fold(case(today))] == 0
    assert words.RELATIVE_DAYS[words.fold(case(yesterday))] == 1
    assert words.WEEKDAYS[words.fold(case(monday))] == 0
    assert words.WEEKDAYS[words.fold(case(sunday))] == 6
    if january:
        assert words.MONTHS[words.fold(case(january))] == 1
        assert words.MONTHS[words.fold(case(march))] == 3
        assert words.MONTHS[words.fold(case(december))] == 12
    assert words.is_you(case(you)) and words.is_you(case(you) + ":")
    assert words.has_edited_word(f"{case(edited)} 10:54")


def test_turkish_dotted_and_dotless_i_fold_alike() -> None:
    assert words.WEEKDAYS[words.fold("SALI")] == words.WEEKDAYS[words.fold("salı")] == 1
    assert words.MONTHS[words.fold("KASIM")] == words.MONTHS[words.fold("kasım")] == 11
    assert words.MONTHS[words.fold("EYLÜL")] == 9


def test_abbreviations_of_different_languages_never_disagree() -> None:
    # one table for every language: a shared abbreviation must mean the same month everywhere
    assert words.MONTHS["mar"] == 3 and words.MONTHS["mai"] == 5 and words.MONTHS["okt"] == 10
    assert words.MONTHS["sept"] == words.MONTHS["set"] == words.MONTHS["sep"] == 9


def test_not_you() -> None:
    for name in ("Lena Fischer", "Youssef", "Duarte", "", None):
        assert not words.is_you(name)


def test_strip_bidi_and_clean() -> None:
    assert words.strip_bidi("\u202aLena Fischer\u202c\u200e ") == "Lena Fischer"
    assert words.strip_bidi(None) is None
    assert words.clean("\u200e10:54\u202fPM\u00a0") == "10:54 PM"
    assert words.fold("\u2068Aujourd’hui\u2069") == "aujourd'hui"
