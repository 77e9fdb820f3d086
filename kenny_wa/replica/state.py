"""Mutable replica state behind the server: auth sessions, settings, live data, stats, interactions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
import threading
import time
from collections import deque

from . import ground_truth as gt
from . import ids, payload
from .model import Message, Scenario
from .scenario import floor_minute, make_attachment

ERAS = ("p6", "p5", "p4")
# Page languages whose words static/i18n.js has (en-US and en-GB share words, not formats)
LANGUAGES = ("en-US", "en-GB", "pt-BR", "de-DE", "es-MX", "fr-FR", "tr-TR", "zh-CN")
QR_CLIENT_FRESH_S = 1.5  # a page on the QR screen polls every poll_ms; older entries are closed pages
PAIR_WINDOW_S = 2.0  # the phone "keeps scanning" briefly, so a page that polls right after pair() pairs too


@dataclasses.dataclass(slots=True)
class Settings:
    era: str = "p6"
    # WhatsApp Web's own language setting: its words and, unless ``locale`` is set, its date
    # and time formats. None: the browser's language (navigator.language), English words if
    # the replica has none for it.
    lang: str | None = None
    locale: str | None = None  # dates and times only, when they differ from ``lang``
    caps_separators: bool = False  # date separators in capitals ("TODAY", "HOY", "18/09/2026")
    latency_ms: int = 300  # added to every history chunk request
    chunk_size: int = 40
    qr_rotation_ms: int = 20_000
    qr_max_rotations: int = 5
    loading_ms: int = 1_500  # "Loading your chats" after pairing
    boot_ms: int = 300  # served-shell progress bar before the app renders
    poll_ms: int = 500
    rate_limit: int | None = None  # max requests per rate_window_s; None = off
    rate_window_s: float = 60.0
    stall_chats: list = dataclasses.field(default_factory=list)  # JIDs whose older chunks hang
    stall_ms: int = 120_000  # how long such a chunk request hangs before answering

    def update(self, changes: dict) -> None:
        for k, v in changes.items():
            if not hasattr(self, k):
                raise ValueError(f"unknown setting {k!r}")
            if k == "era" and v not in ERAS:
                raise ValueError(f"era must be one of {ERAS}")
            if k == "lang" and v is not None and v not in LANGUAGES:
                raise ValueError(f"lang must be one of {LANGUAGES} or None (the browser's), not {v!r}")
            setattr(self, k, v)


@dataclasses.dataclass(slots=True)
class Session:
    token: str
    client: str
    active_tab: str | None = None
    revoked: bool = False


class ReplicaState:
    def __init__(self, scenario: Scenario, settings: Settings) -> None:
        self.lock = threading.RLock()
        self.scenario = scenario
        self.settings = settings
        self.settings_version = 0
        self.sessions: dict[str, Session] = {}
        self.qr_clients: dict[str, float] = {}
        self.pending_pair = False
        self.pair_until = 0.0
        self.issued: dict[str, str] = {}  # client → token paired but not yet picked up
        self.version = 0
        self.interactions: list[dict] = []
        self.opens: dict[str, int] = {}
        # per chat, the message ids the linked device (this page) marked read, in order
        self.read_receipts: dict[str, list[str]] = {}
        self.chunks: dict[str, int] = {}
        self.floor_ms = 0  # latency added to the history chunks served
        self.render_ms = 0  # the page's own time per chunk beyond that (see chunk_rendered)
        self.requests = 0
        self._rate: deque[float] = deque()
        self._rng = random.Random(f"live:{scenario.seed}")
        self._by_id = {m.id: m for c in scenario.chats for m in c.messages}

    # --- auth -----------------------------------------------------------------------------
    def session(self, token: str | None) -> Session | None:
        s = self.sessions.get(token or "")
        return None if s is None or s.revoked else s

    def boot(self, token: str | None, tab: str) -> str:
        with self.lock:
            s = self.session(token)
            if s is None:
                return "revoked" if token else "none"
            s.active_tab = tab  # the newest tab wins; an older tab sees the conflict screen
            return "ok"

    def poll(self, client: str, token: str | None, tab: str, screen: str) -> dict:
        with self.lock:
            out: dict = {"version": self.version, "settings_version": self.settings_version}
            if screen == "qr":
                self.qr_clients[client] = time.monotonic()
                if self.pending_pair or time.monotonic() < self.pair_until:
                    self.pending_pair = False
                    if client not in self.issued:
                        self._issue(client)
                if client in self.issued:
                    out["paired"] = self.issued.pop(client)
                out["auth"] = "none"
                return out
            s = self.session(token)
            out["auth"] = "ok" if s else "revoked"
            out["conflict"] = bool(s and s.active_tab != tab)
            return out

    def _issue(self, client: str) -> str:
        token = secrets.token_urlsafe(24)
        self.sessions[token] = Session(token, client)
        self.issued[client] = token
        self.qr_clients.pop(client, None)
        return token

    def pair(self) -> int:
        """The phone scans the QR shown by every page currently on the QR screen."""
        with self.lock:
            now = time.monotonic()
            fresh = [c for c, seen in self.qr_clients.items() if now - seen < QR_CLIENT_FRESH_S]
            for c in fresh:
                self._issue(c)
            self.pair_until = now + PAIR_WINDOW_S
            if not fresh:
                self.pending_pair = True
            return len(fresh)

    def expire(self) -> int:
        with self.lock:
            self.pair_until = 0.0
            self.pending_pair = False
            live = [s for s in self.sessions.values() if not s.revoked]
            for s in live:
                s.revoked = True
            return len(live)

    def conflict(self) -> int:
        with self.lock:
            live = [s for s in self.sessions.values() if not s.revoked]
            for s in live:
                s.active_tab = "elsewhere"
            return len(live)

    def takeover(self, token: str, tab: str) -> bool:
        with self.lock:
            s = self.session(token)
            if s:
                s.active_tab = tab
            return s is not None

    # --- rate limit -------------------------------------------------------------------------
    def over_rate(self) -> bool:
        with self.lock:
            self.requests += 1
            limit = self.settings.rate_limit
            if not limit:
                return False
            now = time.monotonic()
            self._rate.append(now)
            while self._rate and now - self._rate[0] > self.settings.rate_window_s:
                self._rate.popleft()
            return len(self._rate) > limit

    # --- data for the page ------------------------------------------------------------------
    def chats_payload(self) -> list[dict]:
        with self.lock:
            chats = sorted(self.scenario.chats, key=lambda c: c.last_activity, reverse=True)
            return [payload.chat(c) for c in chats]

    def messages_payload(self, jid: str, mode: str, cursor: str | None) -> dict:
        """mode: open (newest chunk), older (before cursor id), newer (after cursor id)."""
        with self.lock:
            chat = self.scenario.chat(jid)
            rows = chat.messages
            n = self.settings.chunk_size
            if mode == "newer":
                idx = next((i for i, m in enumerate(rows) if m.id == cursor), len(rows) - 1)
                part, start = rows[idx + 1:], idx + 1
                if any(m.is_message and not m.is_outgoing for m in part):
                    self._read_by_linked_device(chat)  # arrivals in the open chat are read at once
            else:
                end = len(rows)
                if mode == "older":
                    end = next((i for i, m in enumerate(rows) if m.id == cursor), 0)
                start = max(0, end - n)
                part = rows[start:end]
                self.chunks[jid] = self.chunks.get(jid, 0) + 1
                if mode == "open":
                    self.opens[jid] = self.opens.get(jid, 0) + 1
                    self._read_by_linked_device(chat)
                self.floor_ms += self.settings.latency_ms
            latency = self.settings.latency_ms if mode != "newer" else 0
            if mode == "older" and jid in self.settings.stall_chats:
                latency = self.settings.stall_ms  # history "never" arrives for this chat
            data = [payload.message(m, self._by_id) for m in part]
            result = {"messages": data, "has_more": start > 0,
                      "phone_prompt": chat.phone_prompt and start == 0}
        if latency:
            time.sleep(latency / 1000)
        return result

    def _read_by_linked_device(self, chat) -> None:
        """The page shows the chat: its unread messages are read (receipts) and the marker goes."""
        if chat.unread:
            incoming = [m for m in chat.messages if m.is_message and not m.is_outgoing]
            ids_read = [m.id for m in incoming[-chat.unread:]]
            self.read_receipts.setdefault(chat.jid, []).extend(ids_read)
        if chat.unread or chat.marked_unread:
            self.version += 1  # every open page's list drops the badge, as the real one does
        chat.unread = 0
        chat.marked_unread = False

    def mark_unread(self, jid: str) -> bool:
        """The chat menu's "Mark as unread" (offered only while the chat has no unread badge)."""
        with self.lock:
            chat = self.scenario.chat(ids.normalise_jid(jid))
            if chat.unread:
                return False
            chat.marked_unread = True
            self.version += 1
            return True

    def phone_read(self, jid: str | None) -> int:
        """The person reads one chat (or every chat) on the phone: badges and markers go, and
        nothing is recorded for the linked device. Returns how many chats changed."""
        with self.lock:
            chats = self.scenario.chats if jid is None else [self.scenario.chat(ids.normalise_jid(jid))]
            changed = [c for c in chats if c.unread or c.marked_unread]
            for c in changed:
                c.unread, c.marked_unread = 0, False
            self.version += 1
            return len(changed)

    def receipts(self) -> dict[str, list[str]]:
        with self.lock:
            return {jid: list(v) for jid, v in self.read_receipts.items() if v}

    def chunk_rendered(self, jid: str, page_ms: float) -> None:
        """The page took ``page_ms`` from requesting a chunk to its rows being in the DOM: what
        exceeds the latency added here (HTTP, JSON, building the rows) is the page's render time."""
        latency = self.settings.latency_ms
        if jid in self.settings.stall_chats:
            latency = max(latency, self.settings.stall_ms)
        with self.lock:
            self.render_ms += max(0, round(page_ms) - latency)

    def message(self, msg_id: str) -> Message | None:
        return self._by_id.get(msg_id)

    def record(self, events: list[dict]) -> None:
        with self.lock:
            self.interactions.extend(events)

    # --- control ------------------------------------------------------------------------------
    def update_settings(self, changes: dict) -> dict:
        with self.lock:
            self.settings.update(changes)
            self.settings_version += 1
            return dataclasses.asdict(self.settings)

    def add_message(self, chat_jid: str, text: str | None, is_outgoing: bool = False,
                    kind: str = "text", self_id: str = "me", at: dt.datetime | None = None) -> dict:
        """A new message now (or in the minute of ``at``, no earlier than the chat's last one)."""
        with self.lock:
            chat = self.scenario.chat(ids.normalise_jid(chat_jid))
            last = chat.messages[-1].ts
            ts = max(floor_minute(dt.datetime.now(dt.UTC)), last)
            if at is not None:
                ts = floor_minute(at)
                if ts < last:
                    raise ValueError("a new message cannot be older than the chat's last one")
            if is_outgoing:
                sender, device = None, "web"
            else:
                sender = chat.contact if not chat.is_group else self._rng.choice(chat.participants)
                device = sender.device
            mid = ids.message_id(self._rng, device)
            while mid in self._by_id:
                mid = ids.message_id(self._rng, device)
            msg = Message(mid, chat.jid, ts, kind, is_outgoing, sender, text=text,
                          receipt="sent" if is_outgoing else "read")
            if kind not in ("text", "deleted"):
                msg.attachment = make_attachment(self._rng, kind)
            chat.messages.append(msg)
            self._by_id[mid] = msg
            # Times are whole minutes: the chat with the newest arrival goes first among
            # chats active in the same minute (the list sort is stable), as on the real page.
            self.scenario.chats.remove(chat)
            self.scenario.chats.insert(0, chat)
            if is_outgoing:  # written on the phone: WhatsApp reads the chat there, no badge
                chat.unread, chat.marked_unread = 0, False
            else:  # an archived chat stays archived ("keep chats archived", docs/REPLICA.md)
                chat.unread += 1
            self.version += 1
            return gt.message_truth(chat, msg, self_id)

    # --- what a sender does to a message already sent (the page shows it, the list does not move)
    def _sent(self, msg_id: str) -> tuple:
        msg = self._by_id.get(str(msg_id))
        if msg is None or not msg.is_message:
            raise KeyError(msg_id)
        return self.scenario.chat(msg.chat_jid), msg

    def edit_message(self, msg_id: str, text: str, self_id: str = "me") -> dict:
        """The sender edits a message: the new text with the "Edited" label, in place."""
        with self.lock:
            chat, msg = self._sent(msg_id)
            if msg.kind == "deleted" or not isinstance(text, str) or not text:
                raise ValueError("only a message not deleted can be edited, to a non-empty text")
            msg.text, msg.edited = text, True
            self.version += 1
            return gt.message_truth(chat, msg, self_id)

    def revoke_message(self, msg_id: str, self_id: str = "me") -> dict:
        """The sender deletes a message for everyone: "This message was deleted" in its place."""
        with self.lock:
            chat, msg = self._sent(msg_id)
            msg.kind, msg.text, msg.edited, msg.reactions = "deleted", None, False, ()
            self.version += 1
            return gt.message_truth(chat, msg, self_id)

    def react(self, msg_id: str, emoji: str, self_id: str = "me") -> dict:
        """Someone reacts to a message with ``emoji`` (an empty emoji clears the reactions)."""
        with self.lock:
            chat, msg = self._sent(msg_id)
            if msg.kind == "deleted" or not isinstance(emoji, str):
                raise ValueError("a deleted message takes no reactions")
            if not emoji:
                msg.reactions = ()
            elif any(e == emoji for e, _ in msg.reactions):
                msg.reactions = tuple((e, n + (e == emoji)) for e, n in msg.reactions)
            else:
                msg.reactions = (*msg.reactions, (emoji, 1))
            self.version += 1
            return gt.message_truth(chat, msg, self_id)

    def ground_truth(self, self_id: str = "me") -> dict:
        with self.lock:
            return gt.ground_truth(self.scenario, self_id, dt.datetime.now(dt.UTC))

    def stats(self) -> dict:
        with self.lock:
            return {"opens": dict(self.opens), "chunks": dict(self.chunks),
                    "floor_ms": self.floor_ms, "render_ms": self.render_ms, "requests": self.requests,
                    "interactions": len(self.interactions)}

    def reset_stats(self) -> None:
        with self.lock:
            self.opens.clear()
            self.chunks.clear()
            self.floor_ms = 0
            self.render_ms = 0
            self.requests = 0
