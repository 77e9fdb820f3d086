"""Agent-conversation detection (the spec's Phase 2), as pure rules.

Two ways a message can be meant for Kenny:

* **Dedicated thread** (preferred). ``WHATSAPP_AGENT_CONTACT`` names the 1:1 chat with Kenny
  (a phone number or a saved contact name) and/or ``WHATSAPP_AGENT_THREAD_NAME`` names a
  group or chat. Every message in such a thread is ``is_agent_channel=True`` and
  ``exclude_from_automation=True``. The owner's own (outgoing) messages in that thread are
  what is said *to* Kenny, so they are also routed to the agent queue; incoming messages
  there (Kenny's replies, or other members of an agent group) are not routed, so a reply
  can never trigger another hand-off loop.
* **Keyword addressing** (the spec's alternative "when a dedicated thread is not used").
  Only when *neither* variable is set: a message whose text starts with one of
  ``WHATSAPP_AGENT_KEYWORDS`` (default ``Kenny,`` and ``@Kenny``), case-insensitively and
  after leading whitespace and bidi/isolate marks, gets ``exclude_from_automation=True`` and
  ``route_to_agent_queue=True``; it stays ``is_agent_channel=False`` because the thread is an
  ordinary one. Both directions count (the spec does not restrict it); the chat pipeline
  receives only the message id and can read ``is_outgoing`` from the row to decide how much
  to trust it. Once a dedicated thread is configured, keywords elsewhere are ignored: the
  owner chose the dedicated channel, and ordinary chats keep being triaged normally.

A keyword that ends in a letter or digit (``@Kenny``) must be followed by a non-word
character or the end of the text, so ``@Kennyboy`` does not match; a keyword that ends in
punctuation (``Kenny,``) carries its own boundary.

Matching normalises both sides: Unicode whitespace, ``+``, ``-``, parentheses and the bidi
marks U+200E/U+200F, U+202A-U+202E, U+2066-U+2069 are removed and the rest is case-folded,
so ``+1 (555) 010-0199``, ``15550100199`` and the JID ``15550100199@c.us`` agree.
"""

from __future__ import annotations

import dataclasses
import re

from kenny_wa import words
from kenny_wa.config import Settings
from kenny_wa.model import Chat, Message

BIDI_MARKS = words.BIDI_MARKS
_STRIP = re.compile(r"[\s+\-()" + BIDI_MARKS + r"]+")
_LEADING = re.compile(r"^[\s" + BIDI_MARKS + r"\ufeff\u200b]*")
_JID_USER = re.compile(r"^(\d+)(?::\d+)?@(?:c\.us|s\.whatsapp\.net)$")


def normalise(value: str) -> str:
    """Drop whitespace, ``+``, ``-``, parentheses and bidi marks; case-fold the rest."""
    return _STRIP.sub("", value).casefold()


strip_bidi = words.remove_bidi  # bidi marks only: the space around a message head is kept


@dataclasses.dataclass(frozen=True, slots=True)
class AgentDecision:
    """What the agent rules say about one message."""

    is_agent_channel: bool = False
    exclude_from_automation: bool = False
    route_to_agent_queue: bool = False


ORDINARY = AgentDecision()


@dataclasses.dataclass(frozen=True, slots=True)
class AgentRules:
    """The agent settings, normalised once; ``classify`` is pure and cheap per message."""

    contact: str | None = None  # normalised WHATSAPP_AGENT_CONTACT
    thread_name: str | None = None  # normalised WHATSAPP_AGENT_THREAD_NAME
    keywords: tuple[str, ...] = ("Kenny,", "@Kenny")

    @classmethod
    def from_settings(cls, settings: Settings) -> AgentRules:
        """Build the rules from Settings (agent_contact, agent_thread_name, agent_keywords)."""
        contact = normalise(settings.agent_contact) if settings.agent_contact else None
        thread = normalise(settings.agent_thread_name) if settings.agent_thread_name else None
        keywords = tuple(k.strip() for k in settings.agent_keywords if k.strip())
        return cls(contact=contact or None, thread_name=thread or None, keywords=keywords)

    @property
    def dedicated_thread_configured(self) -> bool:
        """True when a contact or thread name is set (keyword routing is then off)."""
        return self.contact is not None or self.thread_name is not None

    def is_agent_thread(self, chat: Chat) -> bool:
        """Whether ``chat`` is the configured dedicated Kenny thread."""
        title = normalise(chat.title)
        if self.thread_name is not None and (
            self.thread_name == title or self.thread_name == normalise(chat.chat_id)
        ):
            return True
        if self.contact is not None and not chat.is_group:
            if self.contact == title:
                return True
            match = _JID_USER.match(chat.chat_id)
            if match and self.contact == match.group(1):
                return True
        return False

    def addressed_by_keyword(self, text: str | None) -> bool:
        """Whether ``text`` starts with one of the keywords (see the module docstring)."""
        if not text:
            return False
        body = _LEADING.sub("", text)
        # Mentions render as "@\u2068Kenny\u2069": drop the isolates from the head we compare.
        head = strip_bidi(body[: max((len(k) for k in self.keywords), default=0) + 8])
        folded = head.casefold()
        for keyword in self.keywords:
            key = keyword.casefold()
            if not folded.startswith(key):
                continue
            if keyword[-1].isalnum():
                rest = folded[len(key) :]
                if rest and (rest[0].isalnum() or rest[0] == "_"):
                    continue
            return True
        return False

    def classify(self, chat: Chat, message: Message) -> AgentDecision:
        """Decide the agent flags of one message of ``chat``."""
        if self.dedicated_thread_configured:
            if self.is_agent_thread(chat):
                return AgentDecision(
                    is_agent_channel=True,
                    exclude_from_automation=True,
                    route_to_agent_queue=message.is_outgoing and not message.deleted,
                )
            return ORDINARY
        if not message.deleted and self.addressed_by_keyword(message.text):
            return AgentDecision(exclude_from_automation=True, route_to_agent_queue=True)
        return ORDINARY


def classify(chat: Chat, message: Message, settings: Settings) -> AgentDecision:
    """Convenience: ``AgentRules.from_settings(settings).classify(chat, message)``."""
    return AgentRules.from_settings(settings).classify(chat, message)
