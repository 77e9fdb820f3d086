"""The replica speaks its page language, whatever the browser's locale, and its truth does not change.

Every page language is read in a browser whose locale differs from it (en-US, or de-DE for the
English pages), through the words and formats the page shows: date separators, the chat list's
"You:" prefix, times and unread labels, deleted and edited words, the forwarded header, the
phone prompt, `data-pre-plain-text`, `<html lang>`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from kenny_wa.replica import LANGUAGES, ReplicaServer

pytestmark = pytest.mark.e2e

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/140.0.0.0 Safari/537.36")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
FAST = {"loading_ms": 100, "boot_ms": 20, "poll_ms": 150, "latency_ms": 0}
SEED = 2  # its document is over 1 MB: the size shows the language's decimal separator


def _h12(ts: dt.datetime) -> str:
    return f"{ts.hour % 12 or 12}:{ts:%M}"


# (time, date) as each language's page writes them in data-pre-plain-text
FORMATS = {
    "en-US": lambda ts: (f"{_h12(ts)} {'AM' if ts.hour < 12 else 'PM'}", f"{ts.month}/{ts.day}/{ts.year}"),
    "en-GB": lambda ts: (f"{ts:%H:%M}", f"{ts:%d/%m/%Y}"),
    "pt-BR": lambda ts: (f"{ts:%H:%M}", f"{ts:%d/%m/%Y}"),
    "de-DE": lambda ts: (f"{ts:%H:%M}", f"{ts.day}.{ts.month}.{ts.year}"),
    "es-MX": lambda ts: (f"{_h12(ts)} {'a.m.' if ts.hour < 12 else 'p.m.'}", f"{ts.day}/{ts.month}/{ts.year}"),
    "fr-FR": lambda ts: (f"{ts:%H:%M}", f"{ts:%d/%m/%Y}"),
    "tr-TR": lambda ts: (f"{ts:%H:%M}", f"{ts:%d.%m.%Y}"),
    "zh-CN": lambda ts: (f"{'上午' if ts.hour < 12 else '下午'}{_h12(ts)}", f"{ts.year}年{ts.month}月{ts.day}日"),
}

# The words each page language shows (the DOM reference's where it has them: docs/REPLICA.md)
EN = {"today": "Today", "yesterday": "Yesterday", "you": "You", "you_label": "You:",
      "you_prefix": "You: ", "deleted_in": "This message was deleted",
      "deleted_out": "You deleted this message", "edited": "Edited", "forwarded": "Forwarded",
      "unread": ("1 unread message", "3 unread messages"), "search": "Search or start a new chat",
      "phone_prompt": "Click this message to load older messages from your phone",
      "weekdays": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
WORDS = {
    "en-US": EN,
    "en-GB": EN,
    "pt-BR": {"today": "Hoje", "yesterday": "Ontem", "you": "Você", "you_label": "Você:",
              "you_prefix": "Você: ", "deleted_in": "Esta mensagem foi apagada",
              "deleted_out": "Você apagou esta mensagem", "edited": "Editada", "forwarded": "Encaminhada",
              "unread": ("1 mensagem não lida", "3 mensagens não lidas"),
              "search": "Pesquisar ou começar uma nova conversa",
              "phone_prompt": "Clique neste aviso para carregar mensagens mais antigas do seu celular",
              "weekdays": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira",
                           "sexta-feira", "sábado", "domingo")},
    "de-DE": {"today": "Heute", "yesterday": "Gestern", "you": "Du", "you_label": "Du:",
              "you_prefix": "Du: ", "deleted_in": "Diese Nachricht wurde gelöscht",
              "deleted_out": "Du hast diese Nachricht gelöscht", "edited": "Bearbeitet",
              "forwarded": "Weitergeleitet",
              "unread": ("1 ungelesene Nachricht", "3 ungelesene Nachrichten"),
              "search": "Suchen oder neuen Chat beginnen",
              "phone_prompt": "Klicke auf diese Nachricht, um ältere Nachrichten von deinem Telefon zu laden",
              "weekdays": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")},
    "es-MX": {"today": "Hoy", "yesterday": "Ayer", "you": "Tú", "you_label": "Tú:",
              "you_prefix": "Tú: ", "deleted_in": "Se eliminó este mensaje",
              "deleted_out": "Eliminaste este mensaje", "edited": "Editado", "forwarded": "Reenviado",
              "unread": ("1 mensaje no leído", "3 mensajes no leídos"),
              "search": "Buscar un chat o iniciar uno nuevo",
              "phone_prompt": "Haz clic en este mensaje para cargar mensajes anteriores desde tu teléfono",
              "weekdays": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")},
    "fr-FR": {"today": "Aujourd’hui", "yesterday": "Hier", "you": "Vous", "you_label": "Vous:",
              "you_prefix": "Vous: ", "deleted_in": "Ce message a été supprimé",
              "deleted_out": "Vous avez supprimé ce message", "edited": "Modifié", "forwarded": "Transféré",
              "unread": ("1 message non lu", "3 messages non lus"),
              "search": "Rechercher ou démarrer une discussion",
              "phone_prompt": ("Cliquez sur ce message pour charger les messages plus anciens "
                               "depuis votre téléphone"),
              "weekdays": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")},
    "tr-TR": {"today": "Bugün", "yesterday": "Dün", "you": "Sen", "you_label": "Sen:",
              "you_prefix": "Sen: ", "deleted_in": "Bu mesaj silindi", "deleted_out": "Bu mesajı sildiniz",
              "edited": "Düzenlendi", "forwarded": "İletildi",
              "unread": ("1 okunmamış mesaj", "3 okunmamış mesaj"),
              "search": "Aratın veya yeni sohbet başlatın",
              "phone_prompt": "Telefonunuzdaki eski mesajları yüklemek için bu mesaja tıklayın",
              "weekdays": ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar")},
    "zh-CN": {"today": "今天", "yesterday": "昨天", "you": "你", "you_label": "你:", "you_prefix": "你: ",
              "deleted_in": "此消息已删除", "deleted_out": "你删除了此消息", "edited": "已编辑",
              "forwarded": "已转发", "unread": ("1 条未读消息", "3 条未读消息"), "search": "搜索或开始新对话",
              "phone_prompt": "点击此消息以从手机加载更早的消息",
              "weekdays": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")},
}


def scenario_file(path, now: dt.datetime):
    """Invented chats with a row on each kind of day: today, yesterday, 3 and 10 days ago (UTC).

    Most rows are at 14:00 and one at 07:05, so the hour's digits are checked at any time of day.
    """
    midnight = now.hour * 60 + now.minute  # minutes since today began
    yesterday, three, ten = midnight + 600, midnight + 2 * 1440 + 600, midnight + 9 * 1440 + 600
    spec = {"name": "languages", "own_name": "Noor Elling", "chats": [
        {"contact": {"name": "Ilse Marten", "phone": "+1 555 0100 201"}, "messages": [
            {"from": "them", "minutes_ago": ten + 415, "text": "Up early"},  # 07:05: one hour digit
            {"from": "them", "minutes_ago": ten, "text": "Plan for the picnic"},
            {"from": "them", "minutes_ago": three, "text": "Bring the blue tent"},
            {"from": "them", "minutes_ago": three - 1, "kind": "document"},
            {"from": "me", "minutes_ago": yesterday, "text": "Tent packed", "edited": True},
            {"from": "them", "minutes_ago": yesterday - 1, "text": "Route map attached", "forwarded": True},
            {"from": "them", "minutes_ago": 0, "kind": "deleted"},
            {"from": "me", "minutes_ago": 0, "kind": "deleted"},
            {"from": "me", "minutes_ago": 0, "text": "See you at noon", "quote": 4},
        ]},
        {"contact": {"name": "Hugo Brandt", "phone": "+1 555 0100 202"}, "unread": 3, "messages": [
            {"from": "them", "minutes_ago": yesterday + 3, "text": "Are the keys with you?"},
            {"from": "them", "minutes_ago": yesterday + 2, "text": "The spare ones"},
            {"from": "them", "minutes_ago": yesterday + 1, "text": "Never mind"},
        ]},
        {"is_group": True, "title": "Seed Swap Circle", "phone_prompt": True, "unread": 1,
         "participants": [{"name": "Pia Lorenz", "phone": "+1 555 0100 203"},
                          {"name": "Omar Haddou", "phone": "+1 555 0100 204"}],
         "messages": [
             {"from": "Pia Lorenz", "minutes_ago": three + 5, "text": "Tomato seeds for anyone?"},
             {"from": "Omar Haddou", "minutes_ago": three, "text": "Yes please"},
         ]},
    ]}
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                              args=[*ARGS, f"--user-agent={UA}"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return scenario_file(tmp_path_factory.mktemp("lang") / "languages.json", now), now


def open_page(browser, server, browser_locale: str):
    ctx = browser.new_context(user_agent=UA, locale=browser_locale, timezone_id="UTC",
                              viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    page.goto(server.url)
    page.wait_for_selector("div[data-ref] canvas")
    server.pair()
    page.wait_for_selector("#pane-side span[title]")
    return page


def list_row(page, title: str) -> dict:
    return page.eval_on_selector_all("#pane-side [data-testid='cell-frame-container']", """(els, t) => {
        const el = els.find(e => e.querySelector('span[title]').title === t);
        const unread = el.querySelector("[data-testid='icon-unread-count']");
        return {time: el.querySelector("[data-testid='cell-frame-primary-detail'] span").textContent,
                preview: el.querySelector("[data-testid='last-msg-status']").title,
                unread: unread ? unread.getAttribute('aria-label') : null};
    }""", f"\u202a{title}\u202c")


def open_chat(page, title: str) -> None:
    page.locator(f"#pane-side span[title='\u202a{title}\u202c']").click()
    page.wait_for_function("t => document.querySelector('#main header span[title]')?.title === t",
                           arg=f"\u202a{title}\u202c")
    page.wait_for_selector("#main [data-id]")


def separators(page) -> list[str]:
    return page.eval_on_selector_all("#main .row-date > div:not([role=button]) span._ao3e",
                                     "els => els.map(e => e.textContent)")


def days_ago(now: dt.datetime, n: int) -> dt.datetime:
    return (now - dt.timedelta(days=n)).replace(hour=14, minute=0)


def upper(word: str, lang: str) -> str:
    """Capitals as the language writes them: Turkish dotted i → İ, dotless ı → I."""
    return (word.replace("i", "İ").replace("ı", "I") if lang == "tr-TR" else word).upper()


def other_browser_locale(lang: str) -> str:
    return "de-DE" if lang.startswith("en") else "en-US"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_speaks_its_language_in_a_browser_of_another(browser, scenario, lang):
    path, now = scenario
    words, form = WORDS[lang], FORMATS[lang]
    with ReplicaServer(scenario=str(path), era="p6", seed=SEED, now=now, lang=lang, **FAST) as server:
        truth = server.ground_truth()
        page = open_page(browser, server, other_browser_locale(lang))
        try:
            assert page.evaluate("navigator.language") == other_browser_locale(lang)
            assert page.evaluate("document.documentElement.lang") == lang
            assert page.locator("input[data-tab='3']").get_attribute("placeholder") == words["search"]
            # the chat list: the own preview's prefix, relative times, unread labels
            ilse, hugo, seeds = (list_row(page, t) for t in ("Ilse Marten", "Hugo Brandt", "Seed Swap Circle"))
            assert ilse["preview"] == words["you_prefix"] + "See you at noon"
            assert ilse["time"] == form(now)[0]
            assert hugo["time"] == words["yesterday"]
            assert seeds["time"] == words["weekdays"][days_ago(now, 3).weekday()]
            assert (seeds["unread"], hugo["unread"]) == words["unread"]
            # the conversation: separators, direction labels, deleted, edited, forwarded, quotes
            open_chat(page, "Ilse Marten")
            assert separators(page) == [form(days_ago(now, 10))[1], words["weekdays"][days_ago(now, 3).weekday()],
                                        words["yesterday"], words["today"]]
            jid = next(c["thread_external_id"] for c in truth["chats"] if c["title"] == "Ilse Marten")
            mine = [m for m in truth["messages"] if m["thread_external_id"] == jid and m["is_outgoing"]]
            assert page.locator(f"#main span[aria-label='{words['you_label']}']").count() == len(mine) == 3
            texts = page.locator("#main").inner_text()
            assert words["deleted_in"] in texts and words["deleted_out"] in texts
            assert page.locator("#main [data-testid='msg-edited']").inner_text() == words["edited"]
            forwarded = page.locator("#main [data-testid='forwarded-header'] span.x1rg5ohu")
            assert forwarded.inner_text() == words["forwarded"]
            quoted_by = page.locator("#main [role='button'] ._ahxy").first.get_attribute("aria-label")
            assert quoted_by == words["you"]
            # data-pre-plain-text in the page language's formats, senders as the page shows them
            pre = dict(page.eval_on_selector_all("#main [data-id]:has([data-pre-plain-text])", """els =>
                els.map(e => [e.dataset.id, e.querySelector('[data-pre-plain-text]').dataset.prePlainText])"""))
            by_id = {m["external_id"]: m for m in truth["messages"]}
            assert len(pre) == 6
            for mid, value in pre.items():
                m = by_id[mid]
                time, date = form(dt.datetime.fromisoformat(m["ts"]))
                sender = truth["own_name"] if m["is_outgoing"] else m["sender_id"]
                assert value == f"[{time}, {date}] {sender}: ", (lang, value)
            doc = next(m for m in truth["messages"] if m["thread_external_id"] == jid and m["kind"] == "document")
            size = doc["attachments"][0]["size"]
            assert size >= 1e6
            sep = "." if lang in ("en-US", "en-GB", "es-MX", "zh-CN") else ","  # Mexico: a point
            shown = f"{size / 1e6:.1f} MB".replace(".", sep) if size >= 1e6 else f"{max(1, round(size / 1e3))} kB"
            assert page.locator(f"#main [data-id='{doc['external_id']}'] span[title='{shown}']").count() == 1
            open_chat(page, "Seed Swap Circle")
            assert page.locator("#main .row-date [role='button'] span._ao3e").inner_text() == words["phone_prompt"]
            assert separators(page)[-1] == words["weekdays"][days_ago(now, 3).weekday()]
        finally:
            page.context.close()


@pytest.mark.parametrize(("lang", "today", "yesterday"), [("es-MX", "HOY", "AYER"), ("tr-TR", "BUGÜN", "DÜN")])
def test_separators_in_capitals(browser, scenario, lang, today, yesterday):
    path, now = scenario
    with ReplicaServer(scenario=str(path), era="p6", seed=SEED, now=now, lang=lang, caps_separators=True,
                       **FAST) as server:
        page = open_page(browser, server, "en-US")
        try:
            open_chat(page, "Ilse Marten")
            weekday = upper(WORDS[lang]["weekdays"][days_ago(now, 3).weekday()], lang)
            assert separators(page) == [FORMATS[lang](days_ago(now, 10))[1], weekday, yesterday, today]
            assert list_row(page, "Hugo Brandt")["time"] == WORDS[lang]["yesterday"]  # the list keeps its case
        finally:
            page.context.close()


@pytest.mark.parametrize(("lang", "locale", "browser_locale", "words", "form"), [
    (None, None, "pt-BR", "pt-BR", "pt-BR"),  # unset: the browser's language, as before
    (None, None, "it-IT", "en-US", None),  # no words for it: English words, the browser's formats
    ("pt-BR", "en-US", "de-DE", "pt-BR", "en-US"),  # `locale` overrides the formats only
])
def test_default_and_format_override(browser, scenario, lang, locale, browser_locale, words, form):
    path, now = scenario
    with ReplicaServer(scenario=str(path), era="p4", seed=SEED, now=now, lang=lang, locale=locale,
                       **FAST) as server:
        page = open_page(browser, server, browser_locale)
        try:
            assert page.evaluate("document.documentElement.getAttribute('loc')") == (lang or browser_locale)
            open_chat(page, "Ilse Marten")
            labels = separators(page)
            assert labels[-2:] == [WORDS[words]["yesterday"], WORDS[words]["today"]]
            pre = page.locator("#main [data-pre-plain-text]").first.get_attribute("data-pre-plain-text")
            early = days_ago(now, 10).replace(hour=7, minute=5)
            if form:
                assert pre.startswith("[" + ", ".join(FORMATS[form](early)) + "]"), pre
            else:
                assert re.match(r"\[07:05, 0?\d{1,2}/0?\d{1,2}/\d{4}\]", pre), pre
        finally:
            page.context.close()


def test_language_changed_on_a_running_replica(browser, scenario):
    path, now = scenario
    with ReplicaServer(scenario=str(path), era="p5", seed=SEED, now=now, **FAST) as server:
        page = open_page(browser, server, "en-US")
        try:
            open_chat(page, "Ilse Marten")
            assert separators(page)[-1] == "Today"
            server.settings(lang="fr-FR")  # open pages reload in the new language
            page.wait_for_function("document.documentElement.lang === 'fr-FR'")
            page.wait_for_selector("#pane-side span[title]")
            open_chat(page, "Ilse Marten")
            assert separators(page)[-2:] == ["Hier", "Aujourd’hui"]
            assert page.locator("#main span[aria-label='Vous:']").count() == 3
        finally:
            page.context.close()


def test_served_shell_carries_the_page_language(scenario):
    path, now = scenario
    for era, attr in (("p6", "lang"), ("p4", "loc")):
        with ReplicaServer(scenario=str(path), era=era, seed=SEED, now=now, lang="tr-TR", **FAST) as server:
            shell = urllib.request.urlopen(urllib.request.Request(server.url, headers={"User-Agent": UA})).read()
        assert f' {attr}="tr-TR"'.encode() in shell
        with ReplicaServer(scenario=str(path), era=era, seed=SEED, now=now, **FAST) as server:  # the browser's
            request = urllib.request.Request(server.url, headers={"User-Agent": UA,
                                                                  "Accept-Language": "fr-FR,fr;q=0.9"})
            shell = urllib.request.urlopen(request).read()
        assert f' {attr}="fr-FR"'.encode() in shell


def test_every_language_has_every_word(browser, scenario):
    path, now = scenario
    with ReplicaServer(scenario=str(path), era="p6", seed=SEED, now=now, **FAST) as server:
        page = browser.new_page(user_agent=UA)
        try:
            page.goto(server.url)
            tables = page.evaluate("""import('/static/i18n.js').then(m => Object.fromEntries(
                Object.entries(m.WORDS).map(([k, v]) => [k, Object.keys(v).sort()])))""")
        finally:
            page.close()
    assert set(tables) == {tag.split("-")[0] for tag in LANGUAGES}
    assert all(keys == tables["en"] for keys in tables.values())


def test_cli_refuses_a_language_without_words(capsys):
    from kenny_wa import cli

    assert cli.main(["replica", "--lang", "it-IT", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "lang must be one of" in err and "pt-BR" in err and "it-IT" in err
