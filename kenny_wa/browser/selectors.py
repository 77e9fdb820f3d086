"""Every CSS selector and page text kenny-wa looks for, in one place.

Each role maps to a tuple of candidates, most stable first: ``data-testid`` / ids, then other
``data-*`` / ARIA attributes, then the legacy semantic classes, then hashed classes. Callers
walk the tuple in order (first match wins) or join it into one selector list when any match
will do. Nothing outside this module (and the page-side ``page_js/*.js``, which receives these
values as its argument) spells a selector.

Message extraction is grouped by WhatsApp Web era (reference §8):

- ``p4``: StyleX + packed ``data-id`` (``true_<jid>_<id>``), ``.message-in/.message-out``
- ``p5``: bare ``data-id``, direction classes still present
- ``p6``: ``conv-msg-<id>`` / ``msg-container`` testids, no direction classes

``AUTO`` is the union in p6, p5, p4 order: the extractor runs with it when the era is not
pinned, and :func:`kenny_wa.browser.extract.detect_profile` names the era afterwards.

Navigation roles (auth screens, chat list, header, search, scroller) are shared by all eras
and live in the marked section at the bottom.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Any

from kenny_wa import words

Candidates = tuple[str, ...]


def _ro(mapping: dict[str, Candidates]) -> Mapping[str, Candidates]:
    return types.MappingProxyType(mapping)


# --- message roles --------------------------------------------------------------------------
# Keys are the names page_js/extract_rows.js reads from its argument (``arg.sel[key]``).

# A row copied out of the page without its [role=row] wrapper: the outermost id carriers.
ROWS_WITHOUT_WRAPPER: Candidates = (
    '#main [data-testid^="conv-msg-"]:not([data-id] *):not([data-testid^="conv-msg-"] *)',
    '#main [data-id]:not([data-id] *):not([data-testid^="conv-msg-"] *)',
)

# The "Open picture" label of an image's box, in each language.
_OPEN_PICTURE: Candidates = (
    '[aria-label="Open picture"]',
    '[aria-label="Abrir imagem"]',
    '[aria-label="Abrir foto"]',
    '[aria-label="Bild öffnen"]',
    '[aria-label="Ouvrir la photo"]',
    '[aria-label="Fotoğrafı aç"]',
    '[aria-label="打开图片"]',
)

_COMMON: dict[str, Candidates] = {
    # window level
    "main": ("#main",),
    "rows": (
        '#main [data-testid="conversation-panel-messages"] [role="row"]',
        '#main [role="row"]',
        "#main .message-list > .msg",
        *ROWS_WITHOUT_WRAPPER,
    ),
    # message id carriers inside a row (IT-2026 trap: msg-container is nested; never union it)
    "msg_id": ('[data-testid^="conv-msg-"]', "[data-id]"),
    "msg_container": ('[data-testid="msg-container"]',),
    # the bubble wrapper of every era (P4-P6), with or without direction classes
    "bubble": (".focusable-list-item",),
    "virtualized_shell": ('[data-virtualized="true"]',),
    "pre_plain": ("[data-pre-plain-text]",),
    # time and meta
    "meta": (
        '[data-testid="msg-meta"]',
        ".message-meta",
        'span[dir="auto"]',
        'span[aria-hidden="true"] > span',
    ),
    "edited": ('[data-testid="msg-edited"]', '[data-icon="msg-edited"]'),
    # direction
    "tail_out": ('[data-testid="tail-out"]', '[data-icon="tail-out"]'),
    "tail_in": ('[data-testid="tail-in"]', '[data-icon="tail-in"]'),
    "prefix_label": ('span[aria-label$=":"]',),
    "receipt": (
        '[data-testid="msg-dblcheck"]',
        '[data-testid="msg-check"]',
        '[data-testid="msg-time"]',
        '[data-icon="msg-dblcheck"]',
        '[data-icon="msg-check"]',
        '[data-icon="msg-time"]',
    ),
    "receipt_scope": ('[data-testid="msg-meta"]', ".message-meta"),
    "receipt_label": ("[aria-label]",),
    "svg_title": ("svg > title",),
    # sender
    "author": (
        'span[data-testid="author"]',
        '[role=""] > span[dir][aria-label]',
        '[role=""] > span[dir="auto"]',
        '[role=""] > span[dir="ltr"]',
    ),
    # body
    "text": (
        '[data-testid="selectable-text"]',
        "span.selectable-text",
        ".selectable-text",
    ),
    "caption": (
        '[data-testid="image-caption selectable-text"]',
        '[data-testid="image-caption"]',
        '[data-testid="video-caption"]',
    ),
    "emoji": ("img.emoji", "img[data-plain-text]"),
    # blocks excluded from the body
    "quoted": (
        '[data-testid="quoted-message"]',
        '[role="button"][aria-label="Quoted message"]',
        '[aria-label="Quoted message"]',
        '[aria-label="Mensagem citada"]',
        '[aria-label="Mensaje citado"]',
        '[aria-label="Messaggio citato"]',
        '[aria-label="Zitierte Nachricht"]',
        '[aria-label="Message cité"]',
        '[aria-label="Alıntılanan mesaj"]',
        '[aria-label="引用的消息"]',
        ".quoted-mention",
    ),
    "quoted_text": (
        '[data-testid="quoted-mention"]',
        "span.quoted-mention",
        ".quoted-mention",
        '[data-testid="selectable-text"]',
    ),
    "quoted_author": (
        'span[data-testid="author"]',
        '[role=""] > span[dir][aria-label]',
        '[role=""] > span[dir="auto"]',
        '[role=""] > span',
    ),
    # flags. "Forwarded" is the header, or a forward icon inside a label that says so: the
    # same icon is on the hover "Forward" button of media bubbles, which marks nothing.
    "forwarded": ('[data-testid="forwarded-header"]', '[data-testid="forwarded"]'),
    "forwarded_icon": (
        '[data-icon="forward-refreshed"]',
        '[data-icon="forwarded"]',
        '[data-icon="frequently-forwarded"]',
    ),
    "deleted": ('[data-testid="recalled"]', '[data-icon="recalled"]', '[data-icon="recalled-refreshed"]'),
    "reactions": (
        '[data-testid="reaction-bubble"]',
        '[aria-label^="Reactions" i]',
        '[aria-label^="Reaction " i]',
        '[aria-label*="View reactions" i]',
        '[aria-label^="Reações" i]',
        '[aria-label^="Reação" i]',
    ),
    # media
    "image": (
        '[data-testid="image-thumb"]',
        '[data-testid="media-url-provider"]',
        '[role="button"][aria-label="Open picture"]',
        *_OPEN_PICTURE,
    ),
    "blob_img": ('img[src^="blob:"]',),
    # media left undownloaded (expired, or too large to fetch by itself): no blob: URL will come
    "media_download": ('[data-testid="media-state-download"]', '[data-icon="media-download"]'),
    "video": (
        '[data-testid="video-content"]',
        '[data-testid="media-play"]',
        '[data-icon="media-play"]',
        '[aria-label="Play video"]',
        "video",
    ),
    "gif": (
        '[data-testid="gif-content"]',
        '[aria-label="Play GIF"]',
        '[aria-label="Reproduzir GIF"]',
        '[data-icon="tenor"]',
        '[data-icon="media-gif"]',
    ),
    "voice": (
        '[data-testid="ptt-status"]',
        '[data-testid="audio-play"]',
        '[data-icon="ptt-status"]',
        '[data-icon="ptt-file"]',
        '[aria-label="Voice message"]',
        '[aria-label="Play voice message"]',
        '[aria-label="Mensagem de voz"]',
        '[data-icon="audio-play"]',
    ),
    "voice_duration": ('[role="slider"][aria-valuetext]',),
    "document": (
        '[data-testid="document-thumb"]',
        '[data-testid^="document"]',
        '[data-testid="audio-download"]',
        '[data-icon^="document"]',
        '[data-icon^="doc-"]',
        # P4/P5 document buttons: title 'Download "<file name>"' in any language (the quoted
        # name ends it); every candidate costs each row a match, so one per quote style
        """[role="button"][title$='"']""",
        '[role="button"][title$="”"]',
    ),
    "document_name": (
        '[data-testid="document-name"]',
        '[data-testid^="document"] span[title]',
        "span[title]",
    ),
    # the document's clickable box (its file name, type, pages and size are spans inside)
    "document_box": ('[data-testid="document-thumb"]', '[role="button"][title]', '[role="button"]'),
    "sticker": (
        '[data-testid="sticker"]',
        '[data-testid^="sticker"]',
        '[aria-label="Sticker"]',
        '[aria-label="Figurinha"]',
        '[aria-label="Pegatina"]',
        '[aria-label="Autocollant"]',
        '[aria-label="Çıkartma"]',
        '[aria-label="贴图"]',
        'img[alt="Sticker"]',
    ),
    # images that may name a sticker in their alt text (matched with PATTERNS["sticker_alt"]),
    # unless inside a picture's box, where the alt is the photo's caption
    "alt_img": ("img[alt]",),
    "picture_box": (
        '[data-testid="image-thumb"]',
        *_OPEN_PICTURE,
    ),
    # Kinds no public capture shows yet (reference §2.7 lists them as unverified): the
    # markers are the test ids / icons / labels of the same families as the verified ones.
    # (Few candidates each: every one is matched against every element of every row.)
    "view_once": ('[data-testid^="view-once"]', '[data-icon^="view-once"]'),
    "contact": ('[data-testid^="vcard"]', '[data-icon^="vcard"]'),
    "location": (
        '[data-testid^="location"]',
        '[data-testid^="live-location"]',
        'a[href*="maps.google."]:not(.selectable-text *):not([data-testid="link-preview-container"] *)',
        'a[href*="google.com/maps"]:not(.selectable-text *):not([data-testid="link-preview-container"] *)',
        'img[src*="maps.googleapis.com"]',
    ),
    "poll": ('[data-testid^="poll"]', '[data-icon^="poll"]'),
    # rows that are not messages
    "system": (
        '[data-testid="msg-notification-container"]',
        '[data-testid="system_message"]',
        '[data-testid="subtype-modify"]',
    ),
    "history_start": ('[data-testid="e2e-notification"]', '[data-icon="lock-small"]'),
    "phone_prompt": (
        '#main [role="button"]:not([data-id] *)',
        "#main button:not([data-id] *)",
    ),
    "loading": (
        '#main [role="progressbar"]',
        '#main [data-testid="spinner"]',
        '#main [data-icon="spinner"]',
        "#main progress",
    ),
}

# Attribute names read (not matched) by the extractor.
ATTRIBUTES: Mapping[str, str] = _ro(
    {  # type: ignore[arg-type]
        "id": "data-id",
        "testid": "data-testid",
        "testid_prefix": "conv-msg-",
        "pre_plain": "data-pre-plain-text",
        "aria_label": "aria-label",
        "valuetext": "aria-valuetext",
    }
)

_DIRECTION_CLASSES: dict[str, Candidates] = {
    "class_out": (".message-out",),
    "class_in": (".message-in",),
}


@dataclasses.dataclass(frozen=True, slots=True)
class SelectorProfile:
    """The message roles of one WhatsApp Web era (see the module docstring)."""

    name: str
    roles: Mapping[str, Candidates]

    def js_arg(self) -> dict[str, Any]:
        """The argument page_js/extract_rows.js takes: selectors, attributes and texts."""
        return {
            "sel": {role: list(c) for role, c in self.roles.items()},
            "attr": dict(ATTRIBUTES),
            "text": {k: [t.lower() for t in v] for k, v in TEXTS.items()},
            "pattern": dict(PATTERNS),
        }


def _profile(
    name: str, *, first: dict[str, Candidates], drop: frozenset[str] = frozenset()
) -> SelectorProfile:
    roles: dict[str, Candidates] = {}
    for role, candidates in {**_COMMON, **_DIRECTION_CLASSES}.items():
        if role in drop:
            continue
        lead = first.get(role, ())
        roles[role] = lead + tuple(c for c in candidates if c not in lead)
    return SelectorProfile(name, _ro(roles))


# P6 (Jul 2026 →): testids first; direction classes are gone, so not asked for.
P6 = _profile("p6", first={}, drop=frozenset({"class_out", "class_in"}))
# P5 (Apr → Jun 2026): bare ids, legacy classes; the data-id carrier comes first.
P5 = _profile(
    "p5",
    first={"msg_id": ("[data-id]",), "rows": ('#main [role="row"]',)},
)
# P4 (late 2023 → Mar 2026): packed ids, legacy classes, data-icon receipts first.
P4 = _profile(
    "p4",
    first={
        "msg_id": ("[data-id]",),
        "rows": ('#main [role="row"]',),
        "receipt": ('[data-icon="msg-dblcheck"]', '[data-icon="msg-check"]', '[data-icon="msg-time"]'),
        "forwarded_icon": ('[data-icon="forward-refreshed"]',),
    },
)


def _union(*profiles: SelectorProfile) -> SelectorProfile:
    roles: dict[str, Candidates] = {}
    for profile in profiles:
        for role, candidates in profile.roles.items():
            seen = roles.get(role, ())
            roles[role] = seen + tuple(c for c in candidates if c not in seen)
    return SelectorProfile("auto", _ro(roles))


AUTO = _union(P6, P5, P4)
PROFILES: Mapping[str, SelectorProfile] = _ro({"p6": P6, "p5": P5, "p4": P4, "auto": AUTO})  # type: ignore[arg-type]


def profile(name: str) -> SelectorProfile:
    """The profile for a ``settings.selector_profile`` value ("auto", "p6", "p5", "p4")."""
    return PROFILES[name]


# Regular expressions the extractor needs; kept loose (parse.py does the strict parsing).
PATTERNS: Mapping[str, str] = _ro(  # type: ignore[arg-type]
    {
        "time": r"\d{1,2}[:.]\d{2}",
        # a sticker named by its image's alt text, as a word (JS flags "iu")
        "sticker_alt": (
            r"(?:^|[^\p{L}])(?:sticker|stickers|figurinha|pegatina|autocollant|\u00e7\u0131kartma|贴图)(?:$|[^\p{L}])"
        ),
    }
)


# --- page texts -----------------------------------------------------------------------------
# Matched case-insensitively as substrings (the extractor lower-cases both sides).

TEXTS: Mapping[str, Candidates] = _ro(
    {
        "receipt_titles": ("wds-ic-read", "wds-ic-delivered", "wds-ic-sent", "wds-ic-pending",
                           "wds-ic-check", "wds-ic-dblcheck", "msg-check", "msg-dblcheck", "msg-time"),
        "receipt_labels": (" Read ", " Delivered ", " Sent ", " Pending ", " Lida ", " Entregue ",
                           " Enviada ", " Pendente ", " Letto ", " Consegnato ", " In attesa ",
                           " Leído ", " Entregado ", " Enviado ", " Pendiente ",
                           " Gelesen ", " Zugestellt ", " Gesendet ", " Ausstehend ",
                           " Lu ", " Distribué ", " Envoyé ", " En attente ",
                           " Okundu ", " İletildi ", " Gönderildi ", " Beklemede ",
                           " 已读 ", " 已送达 ", " 已发送 ", " 待发送 "),
        # the words of a message's markers live with the other page words (kenny_wa.words)
        "forwarded_labels": words.FORWARDED_LABELS,
        "deleted_own": words.DELETED_OWN,
        "deleted_other": words.DELETED_OTHER,
        "history_start": (
            "messages and calls are end-to-end encrypted",
            "messages are end-to-end encrypted",
            "mensagens e ligações são protegidas com a criptografia de ponta a ponta",
            "protegidas com a criptografia de ponta a ponta",
            "cifrado de extremo a extremo",
            "crittografia end-to-end",
            "ende-zu-ende-verschlüsselt",
            "chiffrés de bout en bout",
            "uçtan uca şifreli",
            "端到端加密",
        ),
        "phone_prompt": (
            "get older messages from your phone",
            "load older messages from your phone",
            "to see older messages",
            "see older messages",
            "mensagens mais antigas do seu celular",
            "mensajes anteriores desde tu teléfono",
            "ältere nachrichten von deinem telefon",
            "messages plus anciens depuis votre téléphone",
            "eski mesajları yüklemek",
            "从手机加载更早的消息",
        ),
        # navigation-side texts
        "conflict": (
            "whatsapp is open in another window", "whatsapp está aberto em outra janela",
            "whatsapp está abierto en otra ventana", "whatsapp ist in einem anderen fenster geöffnet",
            "whatsapp est ouvert dans une autre fenêtre", "whatsapp başka bir pencerede açık",
            "whatsapp 已在另一个窗口中打开",
        ),
        "use_here": ("use here", "usar aqui", "usar aquí", "usa qui", "hier verwenden", "utiliser ici",
                     "burada kullan", "在此使用"),
        "unsupported_browser": (
            "update your browser",
            "whatsapp works with google chrome",
            "google chrome 60",
            "atualize seu navegador",
        ),
        "http_429": ("http error 429",),
        "qr_reload": ("click to reload qr code", "reload qr code", "recarregar o código qr",
                      "volver a cargar el código qr", "qr-code neu zu laden", "recharger le code qr",
                      "qr kodunu yeniden yüklemek", "重新加载二维码"),
        "logged_out": ("logged out", "link this computer again"),
        "storage_error": ("a database error occurred", "your browser storage is full"),
        "loading": ("loading your chats", "carregando suas conversas", "cargando tus chats",
                    "deine chats werden geladen", "chargement de vos discussions",
                    "sohbetleriniz yükleniyor", "正在加载你的对话"),
        "phone_login": ("log in with phone number", "link with phone number instead"),
    }
)


# --- navigation roles ---
# Shared by every era; owned with the navigation helper (launch/auth/chatlist/history/scrape).
# Add roles here, most stable candidate first; read them with ``NAVIGATION[role]``.

NAVIGATION: Mapping[str, Candidates] = _ro(
    {
        # served shell and loading
        "startup_shell": ("#wa_web_initial_startup", "#initial_startup"),
        "loading_progress": (
            "#wa_web_initial_startup progress",
            "#initial_startup progress",
            "#app progress",
            "progress",
        ),
        "app_root": ("#app", "#whatsapp-web"),
        # QR / pairing
        "qr_container": ("div[data-ref]",),
        "qr_canvas": (
            "div[data-ref] canvas",
            'canvas[aria-label="Scan this QR code to link a device!"]',
            'canvas[aria-label*="Scan" i]',
            'canvas[aria-label*="Escanea" i]',
            'canvas[aria-label="Scan me!"]',
        ),
        "qr_reload": ("div[data-ref] > span > button", "div[data-ref] button", "div[data-ref] > span > div"),
        "phone_code_screen": ('div[data-testid="link-device-phone-number-code-screen"]',),
        "phone_code": ('span[data-testid="link-code"]',),
        "login_instructions": ("#link-device-instructions-list",),
        # logged-in markers
        "logged_in": (
            "#pane-side",
            '[data-testid="chat-list"]',
            'div[data-testid="wa-web-main-screen"]',
            'div[aria-label="Chat list"]',
            "#side",
        ),
        # blocking screens
        "conflict_dialog": (
            '[data-testid="popup-contents"]',
            'div[data-animate-modal-body="true"]',
            '[role="dialog"]',
        ),
        "conflict_use_here": (
            '[data-testid="popup-controls-ok"]',
            'div[data-animate-modal-body="true"] div[role="button"]:nth-child(2)',
            '[role="dialog"] button',
        ),
        "modal": (
            '[data-testid="confirm-popup"]',
            '[role="dialog"][aria-modal="true"]',
            "div[data-animate-modal-backdrop]",
        ),
        "modal_close": (
            '[data-testid="popup-controls-cancel"]',
            '[role="dialog"] [aria-label="Close"]',
            '[role="dialog"] button',
        ),
        "http_error_code": (".error-code",),
        "alert_phone": ('[data-testid="alert-phone"]', '[data-testid="alert-computer"]'),
        # chat list
        "chat_list_scroller": ("#pane-side", 'div[data-scrolltracepolicy="wa.web.chatlist"]'),
        "chat_list_grid": (
            '#pane-side div[role="grid"][aria-rowcount]',
            '[data-testid="chat-list"]',
            'div[aria-label="Chat list"]',
            'div[aria-label="Lista de chats"]',
            'div[aria-label="Lista delle chat"]',
        ),
        "chat_row": (
            '#pane-side [role="row"][data-testid^="list-item-"]',
            '#pane-side [role="row"]',
            '#pane-side div[role="listitem"]',
            "#pane-side ._ak8l",
        ),
        "chat_row_cell": ('[data-testid="cell-frame-container"]', '[role="gridcell"]'),
        "chat_row_title": ('[data-testid="cell-frame-title"] span[title]', "span[title]"),
        "chat_row_time": (
            '[data-testid="cell-frame-primary-detail"] span',
            '[data-testid="cell-frame-primary-detail"]',
            "._ak8i span",
            "._ak8i",
        ),
        "chat_row_group_hint": (
            '[data-icon="default-group"]',
            '[data-icon="default-group-refreshed"]',
            '[data-testid="default-group"]',
        ),
        "chat_row_pinned": ('[data-testid="icon-pinned"]', '[data-icon="pinned2"]', '[data-icon="pinned"]'),
        "chat_row_preview": ('[data-testid="last-msg-status"]', '[data-testid="cell-frame-secondary"]'),
        "chat_row_unread": (
            '[data-testid="icon-unread-count"]',
            '[aria-label*="unread message" i]',
            '[aria-label*="não lida" i]',
            '[aria-label*="no leído" i]',
            '[aria-label*="ungelesene Nachricht" i]',
            '[aria-label*="non lu" i]',
            '[aria-label*="okunmamış" i]',
            '[aria-label*="未读"]',
        ),
        # "Mark as unread" leaves the badge without a count; its label says so
        "chat_row_marked_unread": (
            '[aria-label="Marked as unread" i]',
            '[aria-label*="marked as unread" i]',
            '[aria-label*="marcada como não lida" i]',
            '[aria-label*="marcado como no leído" i]',
            '[aria-label*="als ungelesen markiert" i]',
            '[aria-label*="marquée comme non lue" i]',
            '[aria-label*="okunmadı olarak işaretlendi" i]',
            '[aria-label*="已标为未读"]',
        ),
        "chat_row_muted": ('[data-testid="mute-notifications-refreshed"]',),
        # the "Archived" entry above the chat list, and the way back from the Archived view
        "archived_entry": (
            '#pane-side [role="button"][aria-label="Archived"]',
            '#side [role="button"][aria-label="Archived"]',
            '#side button[aria-label="Archived"]',
            '#side [role="button"][aria-label="Arquivadas"]',
            '#side [role="button"][aria-label="Archivados"]',
            '#side [role="button"][aria-label="Archiviate"]',
            '#side [role="button"][aria-label="Archiviert"]',
            '#side [role="button"][aria-label="Archivées"]',
            '#side [role="button"][aria-label="Arşivlenmiş"]',
            '#side [role="button"][aria-label="已归档"]',
        ),
        "archived_back": (
            '#side header [aria-label="Back"]',
            '#side header [aria-label="Voltar"]',
            '#side header [aria-label="Atrás"]',
            '#side header [aria-label="Indietro"]',
            '#side header [aria-label="Zurück"]',
            '#side header [aria-label="Retour"]',
            '#side header [aria-label="Geri"]',
            '#side header [aria-label="返回"]',
            '#side header [data-icon="back-refreshed"]',
            '#side header [data-icon="back"]',
        ),
        # the one item of the chat row's context menu (right click) kenny-wa may choose
        "chat_menu_mark_unread": (
            '[data-testid="mi-mark-unread"]',
            '[role="application"] li [aria-label="Mark as unread"]',
            '[role="application"] li [aria-label="Marcar como não lida"]',
            '[role="application"] li [aria-label="Marcar como no leído"]',
            '[role="application"] li [aria-label="Segna come da leggere"]',
            '[role="application"] li [aria-label="Als ungelesen markieren"]',
            '[role="application"] li [aria-label="Marquer comme non lue"]',
            '[role="application"] li [aria-label="Okunmadı olarak işaretle"]',
            '[role="application"] li [aria-label="标为未读"]',
        ),
        "message_yourself_row": ('[data-testid="message-yourself-row"]',),
        "chat_filters": ('div[role="tablist"]', "#unread-filter", "#group-filter"),
        # search
        "search_input": (
            'input[role="textbox"][data-tab="3"]',
            'input[aria-label="Search or start a new chat"]',
            'input[aria-label="Pesquisar ou começar uma nova conversa"]',
            'div[contenteditable="true"][data-tab="3"]',
        ),
        "search_results": ('[aria-label="Search results."]',),
        # open conversation
        "conversation": ("#main",),
        "conversation_header": ('header[data-testid="conversation-header"]', "#main header"),
        "header_title": (
            '[data-testid="conversation-info-header-chat-title"]',
            "#main header span[title]",
            '#main header span[dir="auto"]',
        ),
        "header_subtitle": (
            '[data-testid="chat-subtitle"]',
            # before the 2026 test ids: the span[title] in the block after the title's block
            '#main header div:has(> span[dir="auto"][title]) + div span[title]',
            "#main header span[title] + span",
        ),
        "message_scroller": (
            '[data-scrolltracepolicy="wa.web.conversation.messages"]',
            '[data-testid="conversation-panel-messages"]',
            '#main [role="application"]',
        ),
    }
)
