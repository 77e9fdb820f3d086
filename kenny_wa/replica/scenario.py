"""Deterministic scenario generator and loader for hand-made JSON scenarios.

Every timestamp is a whole minute relative to `now`, because `data-pre-plain-text` has minute
precision. The same (scenario, seed, now) always yields the same world.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path

from . import ids, images, text_images, vocab
from .model import Attachment, Chat, Contact, Message, Scenario

SCENARIO_DIR = Path(__file__).parent / "scenarios"
OWN_NAMES = ("Kenny Marsh", "Kenny Alvarez", "Kenny Osei")


@dataclasses.dataclass(frozen=True, slots=True)
class GenParams:
    chats: int = 34  # 1:1 chats
    groups: int = 6
    messages_min: int = 5
    messages_max: int = 150
    messages_total: int | None = None  # if set, distributed over all chats instead of min/max
    days: int = 120
    media_ratio: float = 0.15
    archived: int = 2
    unsaved_ratio: float = 0.15
    phone_prompt_chats: int = 2
    lid_chats: int = 2
    coverage: bool = True  # a showcase chat with every kind, plus broken images
    unread_badges: bool = False  # keep the unread badges drawn for about 30 % of the chats
    # incoming messages that reached the first archived chat after it was archived, minutes
    # ago: it stays archived ("keep chats archived") and shows them as its unread badge
    archived_arrivals: int = 0
    text_images: int = len(text_images.STYLES)  # recent images that get drawn text, styles in turn


def floor_minute(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(second=0, microsecond=0)


class _Ids:
    """Uniqueness bookkeeping shared by one scenario."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self.lids: set[str] = set()
        self.groups: set[str] = set()
        self.msgs: set[str] = set()

    def msg(self, device: str) -> str:
        while True:
            mid = ids.message_id(self.rng, device)
            if mid not in self.msgs:
                self.msgs.add(mid)
                return mid


def _names(rng: random.Random, n: int) -> list[str]:
    pool = [f"{first} {last}" for first in vocab.FIRST_NAMES for last in vocab.LAST_NAMES]
    rng.shuffle(pool)
    if n > len(pool):
        pool += [f"{p} {i}" for i, p in enumerate(pool * (n // len(pool) + 1))]
    return pool[:n]


def _contact(rng: random.Random, uid: _Ids, name: str | None, as_lid: bool = False) -> Contact:
    phone, digits = ids.fictional_phone(rng, uid.phones)
    lid = ids.lid(rng, uid.lids)
    first = name.split()[0] if name else rng.choice(vocab.PUSH_NAMES)
    return Contact(
        jid=lid if as_lid else f"{digits}@c.us",
        phone=phone,
        name=name,
        push_name=first,
        lid=lid,
        device=rng.choice(ids.DEVICES),
    )


def random_text(rng: random.Random) -> str:
    n = rng.randint(1, 14)
    words = [rng.choice(vocab.WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    text = " ".join(words)
    r = rng.random()
    if r < 0.12:
        text += " " + rng.choice(vocab.EMOJI)
    elif r < 0.17:
        text += " " + rng.choice(vocab.LINK_HOSTS) + rng.choice(vocab.LINK_PATHS)
    elif r < 0.20:
        text += "\n" + " ".join(rng.choice(vocab.WORDS) for _ in range(rng.randint(2, 6)))
    elif r < 0.24:
        text += rng.choice(("?", "!", "."))
    return text


def make_attachment(rng: random.Random, kind: str, broken: str | None = None) -> Attachment:
    seed = rng.getrandbits(32)
    key = rng.randbytes(16)
    if kind == "image":
        w, h = rng.choice(((640, 480), (480, 640), (800, 600), (320, 320), (1024, 576)))
        mt = "image/png" if rng.random() < 0.25 else "image/jpeg"
        return Attachment(mt, seed, w, h, 0, broken, None, None, key)
    if kind == "sticker":
        return Attachment("image/webp", seed, 190, 190, 0, None, None, None, key)
    if kind in ("video", "gif"):
        w, h = rng.choice(((640, 360), (360, 640), (480, 480)))
        dur = rng.randint(2, 12) if kind == "gif" else rng.randint(5, 180)
        return Attachment("video/mp4", seed, w, h, rng.randint(80_000, 9_000_000), None, None, dur, key)
    if kind == "voice":
        dur = rng.randint(2, 140)
        return Attachment("audio/ogg; codecs=opus", seed, 0, 0, dur * 2100, None, None, dur, key)
    name, mt = rng.choice(vocab.DOC_NAMES)
    return Attachment(mt, seed, 0, 0, rng.randint(2_000, 4_000_000), None, name, None, key)


_MEDIA_WEIGHTS = (("image", 40), ("voice", 20), ("video", 10), ("gif", 8), ("document", 10), ("sticker", 12))


def _pick_kind(rng: random.Random, media_ratio: float) -> str:
    if rng.random() < media_ratio:
        return rng.choices([k for k, _ in _MEDIA_WEIGHTS], [w for _, w in _MEDIA_WEIGHTS])[0]
    return "deleted" if rng.random() < 0.03 else "text"


def _fill_message(rng: random.Random, msg: Message, history: list[Message]) -> None:
    kind = msg.kind
    if kind == "text":
        msg.text = random_text(rng)
        msg.edited = rng.random() < 0.03
    elif kind == "image":
        msg.attachment = make_attachment(rng, kind)
        if rng.random() < 0.5:
            msg.text = random_text(rng)
    elif kind in ("video",):
        msg.attachment = make_attachment(rng, kind)
        if rng.random() < 0.3:
            msg.text = random_text(rng)
    elif kind != "deleted":
        msg.attachment = make_attachment(rng, kind)
    if kind != "deleted":
        msg.forwarded = rng.random() < 0.03
        if history and kind == "text" and rng.random() < 0.07:
            candidates = [m for m in history[-20:] if m.is_message and m.kind != "deleted"]
            if candidates:
                msg.quoted_id = rng.choice(candidates).id
        if rng.random() < 0.05:
            msg.reactions = ((rng.choice(vocab.REACTIONS), rng.randint(1, 3)),)


def _timestamps(rng: random.Random, n: int, last: dt.datetime, span_min: int) -> list[dt.datetime]:
    offsets = sorted((rng.randint(0, span_min) for _ in range(n - 1)), reverse=True)
    return [last - dt.timedelta(minutes=o) for o in offsets] + [last]


def _own_device(rng: random.Random) -> str:
    return "web" if rng.random() < 0.15 else "android"


def _generate_chat(
    rng: random.Random, uid: _Ids, chat: Chat, n: int, last: dt.datetime, span_min: int,
    media_ratio: float, badges: bool,
) -> None:
    people = chat.participants if chat.is_group else [chat.contact]
    times = _timestamps(rng, n, last, span_min)
    msgs: list[Message] = []
    if not chat.phone_prompt:
        first = times[0] - dt.timedelta(minutes=rng.randint(1, 30))
        msgs.append(Message(uid.msg("web"), chat.jid, first, "e2e", False, None))
        if chat.is_group:
            creator = rng.choice(people)
            msgs.append(Message(uid.msg(creator.device), chat.jid, first, "system", False, creator,
                                notice=("created", creator.display, chat.title)))
    sender: Contact | None = rng.choice(people)
    out = False
    for i, ts in enumerate(times):
        if rng.random() > 0.6:
            out = rng.random() < 0.4
            sender = None if out else rng.choice(people)
        if chat.is_group and rng.random() < 0.01:
            actor, other = rng.choice(people), rng.choice(people)
            tpl = rng.choice(vocab.SYSTEM_TEMPLATES)
            msgs.append(Message(uid.msg(actor.device), chat.jid, ts, "system", False, actor,
                                notice=(tpl, actor.display, other.display)))
        device = _own_device(rng) if out else sender.device
        msg = Message(uid.msg(device), chat.jid, ts, _pick_kind(rng, media_ratio), out,
                      None if out else sender)
        if out:
            msg.receipt = "read" if i < len(times) - 2 else rng.choice(("read", "delivered", "sent"))
        _fill_message(rng, msg, msgs)
        msgs.append(msg)
    chat.messages = msgs
    if not msgs[-1].is_outgoing and rng.random() < 0.3:
        unread = rng.randint(1, min(12, n))  # drawn either way: the world stays the same
        chat.unread = unread if badges else 0


def _coverage(rng: random.Random, uid: _Ids, chat: Chat, now: dt.datetime) -> None:
    """Append one of every message kind (and the tricky variants) to a 1:1 chat."""
    c = chat.contact
    t = chat.messages[-1].ts
    specs: list[tuple[str, bool, dict]] = [
        ("text", False, {"text": "Emoji check 👍 and ❤️ in one line 🎉"}),
        ("text", True, {"text": "Link: https://example.com/docs/start see you there"}),
        # multi-line, with leading and trailing spaces: stored as sent, whitespace included
        ("text", False, {"text": "  First line\nsecond line  \n  third line, indented  "}),
        ("text", True, {"text": "Fixed the typo now", "edited": True}),
        ("text", False, {"text": "Passing this along", "forwarded": True}),
        ("image", False, {"text": "Sunset from the balcony 🌅"}),
        ("image", True, {}),
        ("video", False, {}),
        ("gif", True, {}),
        ("voice", False, {}),
        ("voice", True, {"forwarded": True}),
        ("document", False, {}),
        ("sticker", True, {}),
        ("deleted", False, {}),
        ("deleted", True, {}),
        ("text", True, {"text": "Replying to your photo", "quote": "image"}),
        ("text", False, {"text": "Nice one", "reactions": (("❤", 2),)}),
    ]
    for kind, out, extra in specs:
        t = min(t + dt.timedelta(minutes=rng.randint(1, 3)), now)
        msg = Message(uid.msg(_own_device(rng) if out else c.device), chat.jid, t, kind, out,
                      None if out else c)
        if kind in ("image", "video", "gif", "voice", "document", "sticker"):
            msg.attachment = make_attachment(rng, kind)
        msg.text = extra.get("text")
        msg.edited = extra.get("edited", False)
        msg.forwarded = extra.get("forwarded", False)
        msg.reactions = extra.get("reactions", ())
        if extra.get("quote"):
            msg.quoted_id = next(m.id for m in reversed(chat.messages) if m.kind == extra["quote"])
        chat.messages.append(msg)


def _broken_images(rng: random.Random, uid: _Ids, chat: Chat, now: dt.datetime) -> None:
    t = chat.messages[-1].ts
    for broken in ("corrupt", "truncated", "empty", "not_image", "huge", "bomb"):
        t = min(t + dt.timedelta(minutes=1), now)
        msg = Message(uid.msg(chat.contact.device), chat.jid, t, "image", False, chat.contact)
        msg.attachment = make_attachment(rng, "image", broken=broken)
        chat.messages.append(msg)


def _arrivals(rng: random.Random, uid: _Ids, chat: Chat, n: int, now: dt.datetime) -> None:
    """``n`` unread incoming messages in the last minutes (its own rng: the rest stays the same)."""
    people = chat.participants if chat.is_group else [chat.contact]
    t = max(chat.messages[-1].ts, now - dt.timedelta(minutes=n + rng.randint(5, 20)))
    for _ in range(n):
        t = min(t + dt.timedelta(minutes=1), now)
        sender = rng.choice(people)
        mid = ids.message_id(rng, sender.device)
        while mid in uid.msgs:
            mid = ids.message_id(rng, sender.device)
        uid.msgs.add(mid)
        msg = Message(mid, chat.jid, t, "text", False, sender, text=random_text(rng))
        chat.messages.append(msg)
    chat.unread = n


def generate(name: str, params: GenParams, seed: int, now: dt.datetime) -> Scenario:
    rng = random.Random(f"{name}:{seed}")
    uid = _Ids(rng)
    now = floor_minute(now)
    own_phone, _ = ids.fictional_phone(rng, uid.phones)
    n_people = params.chats + params.groups * 3 + 8
    names = _names(rng, n_people)
    contacts: list[Contact] = []
    for i in range(n_people):
        saved = rng.random() >= params.unsaved_ratio
        contacts.append(_contact(rng, uid, names[i] if saved else None))
    # 1:1 chats with @lid JIDs must be saved contacts (they have no phone to show)
    for i in range(min(params.lid_chats, params.chats)):
        k = params.chats - 1 - i
        contacts[k].jid = contacts[k].lid
        contacts[k].name = contacts[k].name or names[k]
    chats: list[Chat] = []
    for i in range(params.chats):
        c = contacts[i]
        chats.append(Chat(c.jid, c.display, False, c, [c]))
    for _ in range(params.groups):
        members = rng.sample(contacts, rng.randint(2, 7))
        unsaved = [c for c in contacts if c.name is None and c not in members]
        if unsaved and all(m.name for m in members) and rng.random() < 0.7:
            members.append(rng.choice(unsaved))
        title = rng.choice(vocab.GROUP_TITLES)
        chats.append(Chat(ids.group_jid(rng, uid.groups), title, True, None, members))
    rng.shuffle(chats)

    n_chats = len(chats)
    if params.messages_total:
        weights = [rng.paretovariate(1.5) for _ in range(n_chats)]
        total_w = sum(weights)
        counts = [max(2, round(params.messages_total * w / total_w)) for w in weights]
    else:
        counts = [rng.randint(params.messages_min, params.messages_max) for _ in range(n_chats)]
    day_min = 1440
    prompt_idx = set(range(3, 3 + params.phone_prompt_chats))
    for i, chat in enumerate(chats):
        if i == 0:
            last = now - dt.timedelta(minutes=rng.randint(30, 90))
        else:
            gap = min(params.days * day_min // 2, int(rng.expovariate(n_chats / (params.days * day_min / 3))))
            last = now - dt.timedelta(minutes=5 + i * 7 + gap)
        max_span = params.days * day_min - int((now - last).total_seconds() // 60)
        if i in prompt_idx:
            chat.phone_prompt = True
            span = rng.randint(3 * day_min, 20 * day_min)
        elif rng.random() < 0.4:
            span = rng.randint(31 * day_min, max(32 * day_min, max_span))
        else:
            span = rng.randint(day_min // 2, 30 * day_min)
        span = max(10, min(span, max_span))
        _generate_chat(rng, uid, chat, counts[i], last, span, params.media_ratio, params.unread_badges)
    if params.coverage:
        one_to_one = [c for c in chats if not c.is_group and not c.phone_prompt and c.contact.name]
        _coverage(rng, uid, one_to_one[0], now)
        _broken_images(rng, uid, one_to_one[1], now)
    archived = [c for c in chats[n_chats // 2:] if not c.phone_prompt][: params.archived]
    for c in archived:
        c.archived = True
    if archived and params.archived_arrivals:
        _arrivals(random.Random(f"{name}:{seed}:arrivals"), uid, archived[0], params.archived_arrivals, now)
    chats.sort(key=lambda c: c.last_activity, reverse=True)
    _draw_text(chats, now, params.text_images)
    return Scenario(name, seed, now, rng.choice(OWN_NAMES), own_phone, chats)


TEXT_IMAGE_MAX_AGE = dt.timedelta(days=20)  # well inside any lookback the tests use


def _draw_text(chats: list[Chat], now: dt.datetime, count: int) -> None:
    """Give the newest intact images of the scenario drawn text, one style after another.

    Runs after everything else and draws nothing from the generator's rng, so messages,
    ids and the other images stay exactly what they were; only these images' bytes change.
    """
    picked = 0
    for chat in chats:
        for msg in reversed(chat.messages):
            if picked >= count:
                return
            att = msg.attachment
            if msg.kind == "image" and att and not att.broken and now - msg.ts <= TEXT_IMAGE_MAX_AGE:
                images.with_drawn_text(att, text_images.STYLES[picked % len(text_images.STYLES)])
                picked += 1


def _params(d: dict) -> GenParams:
    fields = {f.name for f in dataclasses.fields(GenParams)}
    unknown = set(d) - fields
    if unknown:
        raise ValueError(f"unknown generator parameters: {sorted(unknown)}")
    return GenParams(**d)


def _hand_made(spec: dict, seed: int, now: dt.datetime, name: str) -> Scenario:
    """Build a scenario from explicit chats: see scenarios/edge-cases.json for the format."""
    rng = random.Random(f"{name}:{seed}")
    uid = _Ids(rng)
    now = floor_minute(now)
    own_phone, _ = ids.fictional_phone(rng, uid.phones)
    people: dict[str, Contact] = {}

    def person(p: dict) -> Contact:
        # a saved name may look like a phone number: keep names and phones apart
        key = p["name"] if p.get("name") else "phone:" + p["phone"]
        if key not in people:
            c = _contact(rng, uid, p.get("name"))
            if p.get("phone"):
                c.phone = p["phone"]
                c.jid = "".join(ch for ch in p["phone"] if ch.isdigit()) + "@c.us"
            if p.get("jid"):
                c.jid = ids.normalise_jid(p["jid"])
            people[key] = c
        return people[key]

    chats: list[Chat] = []
    for cs in spec["chats"]:
        if cs.get("is_group"):
            members = [person(p) for p in cs["participants"]]
            chat = Chat(cs.get("jid") or ids.group_jid(rng, uid.groups), cs["title"], True, None, members)
        else:
            c = person(cs["contact"])
            chat = Chat(c.jid, c.display, False, c, [c])
        chat.archived = cs.get("archived", False)
        chat.phone_prompt = cs.get("phone_prompt", False)
        chat.unread = cs.get("unread", 0)
        by_index: list[Message] = []
        for ms in cs["messages"]:
            ts = now - dt.timedelta(minutes=int(ms["minutes_ago"]))
            frm = ms.get("from", "them")
            out = frm == "me"
            if out:
                sender = None
            elif chat.is_group:
                sender = next(p for p in chat.participants if frm in (p.name, p.phone))
            else:
                sender = chat.contact
            kind = ms.get("kind", "text")
            device = ms.get("device") or (_own_device(rng) if out else sender.device)
            msg = Message(ms.get("id") or uid.msg(device), chat.jid, ts, kind, out, sender)
            msg.text = ms.get("text")
            if msg.text is not None and ms.get("repeat"):  # long texts without a long file
                msg.text = msg.text * int(ms["repeat"])
            msg.forwarded = ms.get("forwarded", False)
            msg.edited = ms.get("edited", False)
            msg.receipt = ms.get("receipt", "read")
            msg.reactions = tuple(tuple(r) for r in ms.get("reactions", ()))
            if "quote" in ms:
                msg.quoted_id = by_index[ms["quote"]].id
            if kind in ("image", "video", "gif", "voice", "document", "sticker"):
                msg.attachment = make_attachment(rng, kind, ms.get("broken"))
                if ms.get("text_image"):  # one of text_images.STYLES
                    images.with_drawn_text(msg.attachment, ms["text_image"])
            by_index.append(msg)
        msgs = sorted(by_index, key=lambda m: m.ts)
        if not chat.phone_prompt:
            msgs.insert(0, Message(uid.msg("web"), chat.jid, msgs[0].ts, "e2e", False, None))
        chat.messages = msgs
        chats.append(chat)
    chats.sort(key=lambda c: c.last_activity, reverse=True)
    return Scenario(name, seed, now, spec.get("own_name", OWN_NAMES[0]), own_phone, chats)


def load(scenario: str, seed: int = 1, now: dt.datetime | None = None) -> Scenario:
    """A scenario by name (a file in scenarios/) or by path to a JSON file."""
    now = now or dt.datetime.now(dt.UTC)
    path = Path(scenario)
    if not path.suffix:
        path = SCENARIO_DIR / f"{scenario}.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    name = spec.get("name", path.stem)
    if "chats" in spec:
        return _hand_made(spec, seed, now, name)
    return generate(name, _params(spec.get("generate", {})), seed, now)


def new_message_id(scn: Scenario, device: str, rng: random.Random) -> str:
    existing = {m.id for c in scn.chats for m in c.messages}
    while True:
        mid = ids.message_id(rng, device)
        if mid not in existing:
            return mid
