"""The UI words of every supported WhatsApp Web language, and the text normalisation around them.

One vocabulary for every reader (parse, dates, chat list, mapping, agent, the page's extractor):
relative day words, weekday and month names, the owner's "You" labels, the "edited" marker and
the forwarded and deleted notices, in en, pt, es, de, fr, it, tr, nl, ja, zh and ko. Every
lookup goes through :func:`fold` (any case, Turkish dotted/dotless i, bidi marks and odd spaces
removed), so "TODAY", "Bugün" and "BUGÜN" agree.
"""

from __future__ import annotations

import unicodedata

# Bidi controls WhatsApp wraps names, titles and dates in (LRM, RLM, embeddings, isolates).
BIDI_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = dict.fromkeys(map(ord, BIDI_MARKS))
# Spaces Intl and WhatsApp put inside times and dates ("10:54\u202fPM", "22.\u00a0März").
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2007": " "})


def remove_bidi(value: str) -> str:
    """Remove bidi control marks, nothing else (WhatsApp wraps names and mentions in them)."""
    return value.translate(_BIDI_TABLE)


def strip_bidi(value: str | None) -> str | None:
    """Remove bidi control marks and surrounding space (names and titles, never message text)."""
    if value is None:
        return None
    return remove_bidi(value).strip()


def clean(value: str) -> str:
    """Bidi marks removed, odd spaces made plain, NFC, stripped: how a UI label is compared."""
    if value.isascii():
        return value.strip()
    return unicodedata.normalize("NFC", value.translate(_SPACES).translate(_BIDI_TABLE)).strip()


def fold(value: str) -> str:
    """:func:`clean` + case folding that also makes Turkish ı/İ and typographic apostrophes
    compare equal: the key of every lookup below."""
    text = clean(value).casefold()
    if text.isascii():
        return text
    return text.replace("i\u0307", "i").replace("ı", "i").replace("’", "'")


def _table(groups: dict[str, tuple[str, ...] | str], base: int = 0) -> dict[str, int]:
    """{language: names in order, a tuple or one space-separated string} → {folded name: base +
    position}."""
    ordered = (names.split() if isinstance(names, str) else names for names in groups.values())
    return {fold(name): base + i for names in ordered for i, name in enumerate(names) if name}


# Relative day words of date separators and the chat list: days back from today.
TODAY_WORDS = ("today", "hoje", "hoy", "heute", "aujourd'hui", "bugün", "oggi", "vandaag",
               "今日", "今天", "오늘")
YESTERDAY_WORDS = ("yesterday", "ontem", "ayer", "gestern", "hier", "dün", "ieri", "gisteren",
                   "昨日", "昨天", "어제")
RELATIVE_DAYS = {**{fold(w): 0 for w in TODAY_WORDS}, **{fold(w): 1 for w in YESTERDAY_WORDS}}

# Weekday names as the page writes them (Intl "long", plus the short forms some languages'
# separators use), Monday = 0.
WEEKDAYS = _table({
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
           "sábado", "domingo"),
    "pt_short": ("segunda", "terça", "quarta", "quinta", "sexta", "", ""),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "tr": ("pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "ja": ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"),
    "zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "zh_alt": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "ko": ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
})
WEEKDAYS[fold("星期天")] = 6
WEEKDAYS[fold("sonnabend")] = 5

# Month names, full and abbreviated (with or without the trailing dot), January = 1: each
# language's twelve, space-separated.
MONTHS = _table({
    "en": "january february march april may june july august september october november december",
    "en_short": "jan feb mar apr may jun jul aug sep oct nov dec",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "pt_short": "jan fev mar abr mai jun jul ago set out nov dez",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "es_short": "ene feb mar abr may jun jul ago sept oct nov dic",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "de_short": "jan feb mär apr mai jun jul aug sep okt nov dez",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "fr_short": "janv févr mars avr mai juin juil août sept oct nov déc",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "it_short": "gen feb mar apr mag giu lug ago set ott nov dic",
    "tr": "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "tr_short": "oca şub mar nis may haz tem ağu eyl eki kas ara",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "nl_short": "jan feb mrt apr mei jun jul aug sep okt nov dec",
}, base=1)
MONTHS[fold("sept")] = 9
# Words that may stand between a day, a month name and a year ("9 de dezembro de 2025").
DATE_FILLERS = frozenset({"de", "of", "del", "the", "le"})

# CJK 12-hour markers written before the time ("下午1:23", "오후 1:23"): True = afternoon.
HALF_DAY_PREFIXES = {"上午": False, "下午": True, "午前": False, "午後": True, "오전": False, "오후": True}

# How the page names the owner: the "You:" prefix of own bubbles and chat-list previews, the
# quoted author of a reply to oneself, and the owner's entry in a group's participant list.
YOU_WORDS = frozenset(fold(w) for w in (
    "you", "você", "voce", "tú", "tu", "vous", "du", "sen", "jij", "io", "あなた", "你", "나",
))
YOU_LABELS = frozenset(w + ":" for w in YOU_WORDS)

# The "edited" marker beside the time of an edited message.
EDITED_WORDS = tuple(fold(w) for w in (
    "edited", "editada", "editado", "bearbeitet", "modifié", "modifiée", "modificato",
    "düzenlendi", "bewerkt", "編集済み", "已编辑", "已編輯", "수정됨",
))


# The label beside a forward icon (compared whole, lower-cased by the page's extractor).
FORWARDED_LABELS = (
    "forwarded", "forwarded many times", "encaminhada", "encaminhada com frequência",
    "encaminhada várias vezes", "reenviado", "reenviado muchas veces", "weitergeleitet",
    "häufig weitergeleitet", "transféré", "transféré plusieurs fois", "inoltrato",
    "inoltrato molte volte", "iletildi", "\u00e7ok kez iletildi", "已转发", "転送済み",
)

# A deleted message's notice: the owner's own, and everyone else's (substrings, lower-cased).
DELETED_OWN = (
    "you deleted this message", "você apagou esta mensagem", "eliminaste este mensaje",
    "du hast diese nachricht gelöscht", "vous avez supprimé ce message",
    "hai eliminato questo messaggio", "bu mesaj\u0131 sildiniz", "你删除了此消息",
)
DELETED_OTHER = (
    "this message was deleted", "essa mensagem foi apagada", "esta mensagem foi apagada",
    "mensagem apagada", "se eliminó este mensaje", "este mensaje fue eliminado",
    "diese nachricht wurde gelöscht", "ce message a été supprimé",
    "questo messaggio è stato eliminato", "bu mesaj silindi", "此消息已删除",
)


def is_you(value: str | None) -> bool:
    """Is this label (with or without its colon) the page's word for the owner?"""
    return bool(value) and fold(value).rstrip(":").strip() in YOU_WORDS


def has_edited_word(value: str | None) -> bool:
    """Does a bubble's time line carry the "edited" marker, in any language?"""
    text = fold(value or "")
    return any(word in text for word in EDITED_WORDS)
