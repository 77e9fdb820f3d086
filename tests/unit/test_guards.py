"""The guard before a batch is saved: no future time, no rows out of page order (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from kenny_wa import guards
from kenny_wa.model import Chat, ChatBatch, Message

NOW = dt.datetime(2026, 9, 18, 16, 0, tzinfo=dt.UTC)
CHAT = Chat(chat_id="15550100001@c.us", title="Lena Fischer", is_group=False, last_activity=None,
            id_source="fiber")


def msg(ident: str, ts: dt.datetime) -> Message:
    return Message(external_id=ident, chat_id=CHAT.chat_id, ts=ts, is_outgoing=False, sender="Lena",
                   text="x", kind="text", raw_data_id=ident, era="p6")


def batch(*stamps: tuple[str, dt.datetime], order: list[str] | None = None) -> ChatBatch:
    messages = sorted((msg(i, ts) for i, ts in stamps), key=lambda m: m.ts)
    return ChatBatch(chat=CHAT, messages=messages, page_order=order or [i for i, _ in stamps])


def at(minutes: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(("stamps", "order", "reason"), [
    ([("A", at(-10)), ("B", at(-9))], None, None),
    ([("A", at(-10)), ("B", at(-10))], None, None),  # same minute: in order at the page's resolution
    ([("A", at(-10)), ("B", at(guards.CLOCK_SKEW.total_seconds() / 60))], None, None),  # skew allowed
    ([("A", at(-10)), ("B", at(6))], None, "future_timestamp"),
    ([("A", at(-10)), ("B", at(60 * 24 * 10))], None, "future_timestamp"),  # day and month swapped
    ([("A", at(-10)), ("B", at(-11))], None, "out_of_order"),
    ([("A", at(-30)), ("B", at(-10)), ("C", at(-20))], None, "out_of_order"),
    ([("A", at(-10)), ("B", at(-11))], ["B", "A"], None),
    ([("A", at(-10)), ("B", at(-11))], ["B", "unparsed", "A"], None),  # ids without a message skipped
])
def test_refusal(stamps, order, reason) -> None:
    assert guards.refusal(batch(*stamps, order=order), NOW) == reason


def test_an_empty_batch_is_never_refused() -> None:
    assert guards.refusal(ChatBatch(chat=CHAT, messages=[]), NOW) is None


def test_without_page_order_the_messages_own_order_is_checked() -> None:
    b = ChatBatch(chat=CHAT, messages=[msg("A", at(-5)), msg("B", at(-7))])
    assert guards.refusal(b, NOW) == "out_of_order"


def test_not_after() -> None:
    assert guards.not_after(at(10), NOW) == NOW
    assert guards.not_after(at(-10), NOW) == at(-10)
    assert guards.not_after(None, NOW) is None
