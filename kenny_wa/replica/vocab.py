"""Invented vocabulary for generated chats: names, group titles, words, emoji, links, file names."""

from __future__ import annotations

FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kira", "Liam", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara",
    "Umar", "Vera", "Wes", "Ximena", "Yusuf", "Zoe", "Aiden", "Bea", "Caio", "Dara",
)
LAST_NAMES = (
    "Costa", "Lima", "Mendes", "Souza", "Rossi", "Haddad", "Okafor", "Tanaka", "Duarte", "Berg",
    "Novak", "Walsh", "Patel", "Karim", "Said", "Nair", "Harper", "Vidal", "Becker", "Quill",
)
GROUP_TITLES = (
    "Weekend Hikers", "Family Board", "Book Club", "Project Falcon", "Flat 3B", "Choir Tuesdays",
    "Garden Swap", "Five-a-side", "Trip Planning 2026", "Parents of 4C", "Ops Standup",
    "Climbing Crew", "Recipe Exchange", "Board Games Night", "Cycling Sundays", "Alumni 2019",
)
PUSH_NAMES = ("Skipper", "Moonbeam", "Tiago", "Lulu", "Mr. Fox", "Jazz", "Nico", "Pia", "Otto")
WORDS = (
    "the", "meeting", "tomorrow", "sounds", "good", "coffee", "later", "train", "is", "late",
    "call", "me", "when", "you", "can", "photos", "from", "weekend", "thanks", "so", "much",
    "did", "see", "this", "plan", "works", "for", "everyone", "bring", "snacks", "maybe", "park",
    "at", "noon", "let's", "try", "again", "next", "week", "I", "think", "we", "should", "book",
    "table", "dinner", "ok", "great", "idea", "running", "ten", "minutes", "behind", "almost",
    "there", "sorry", "forgot", "to", "reply", "what", "time", "works", "best", "happy", "birthday",
    "congrats", "new", "job", "rain", "expected", "all", "day", "keys", "are", "on", "shelf",
)
EMOJI = ("😀", "😂", "👍", "🙏", "🎉", "🔥", "😊", "🙌", "✅", "😅", "❤️", "🚲")
REACTIONS = ("👍", "❤", "😂", "😮", "🙏")
LINK_PATHS = ("docs/start", "p/2231", "events/picnic", "menu", "tickets/42", "guide?lang=en")
LINK_HOSTS = ("https://example.com/", "https://example.org/", "https://www.example.net/")
DOC_NAMES = (
    ("Budget-2026.pdf", "application/pdf"), ("notes.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("route-map.pdf", "application/pdf"), ("inventory.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("minutes.txt", "text/plain"),
)
# Group notices by their key in the page's words (static/i18n.js `sys_<key>`)
SYSTEM_TEMPLATES = ("added", "description", "icon")
