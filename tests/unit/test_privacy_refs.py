"""Keyed chat references: stable per installation, useless without its key."""

from __future__ import annotations

import hashlib
import multiprocessing
import stat

from kenny_wa import privacy

PHONE_JID = "15550001234@c.us"  # an invented number


def test_the_ref_is_keyed_and_not_a_bare_hash():
    key = bytes(range(32))
    ref = privacy.chat_ref(PHONE_JID, key)
    assert privacy.REF.match(ref)
    assert ref == privacy.chat_ref(PHONE_JID, key)  # stable
    assert ref != "chat-" + hashlib.sha256(PHONE_JID.encode()).hexdigest()[:12]  # today's, reversible
    assert ref != privacy.chat_ref(PHONE_JID, bytes(32))  # another installation: another ref


def test_trying_phone_numbers_without_the_key_finds_nothing(tmp_path):
    key = privacy.installation_key(tmp_path)
    target = privacy.chat_ref(PHONE_JID, key)
    candidates = [f"1555000{n:04d}@c.us" for n in range(2000)]
    assert PHONE_JID in candidates
    bare = {"chat-" + hashlib.sha256(c.encode()).hexdigest()[:12] for c in candidates}
    assert target not in bare
    assert privacy.resolve_ref(target, candidates, key) == [PHONE_JID]  # the owner, with the key


def test_the_key_is_created_once_owner_only_and_reused(tmp_path):
    state = tmp_path / "state"
    first = privacy.installation_key(state)
    path = state / privacy.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == privacy.KEY_BYTES
    assert privacy.installation_key(state) == first
    assert [p.name for p in state.iterdir()] == [privacy.KEY_FILE]  # no temp file left


def _key_of(folder: str, out) -> None:
    from pathlib import Path

    out.put(privacy.installation_key(Path(folder)).hex())


def test_processes_creating_the_key_at_once_agree(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_key_of, args=(str(tmp_path / "s"), out)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=60) for _ in procs}
    for p in procs:
        p.join(timeout=30)
    assert len(keys) == 1
