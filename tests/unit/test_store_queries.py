"""The named-query file: its format, and every name the store uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kenny_wa.store import queries

STORE = Path(queries.__file__).parent


def test_parse_splits_by_header_and_skips_description():
    text = (
        "-- file header\n-- more header\n\n"
        "-- first_query --\n-- what it does\nSELECT 1;\n\n"
        "-- second_query --\n-- line one\n-- line two\nSELECT %(x)s\nFROM t;\n"
    )
    assert queries.parse(text) == {"first_query": "SELECT 1", "second_query": "SELECT %(x)s\nFROM t"}


def test_parse_rejects_duplicates_and_empty_queries():
    with pytest.raises(ValueError):
        queries.parse("-- a --\n-- d\nSELECT 1;\n-- a --\n-- d\nSELECT 2;\n")
    with pytest.raises(ValueError):
        queries.parse("-- a --\n-- d\n\n-- b --\n-- d\nSELECT 2;\n")


def test_every_query_has_a_description_line():
    text = (STORE / "queries.sql").read_text(encoding="utf-8")
    headers = re.findall(r"^-- ([a-z0-9_]+) --\n(.*)$", text, re.MULTILINE)
    assert headers, "no queries found"
    for name, following in headers:
        assert following.startswith("-- "), f"{name} has no description line"


def test_every_name_used_by_the_store_exists_and_every_query_is_used():
    used: set[str] = set()
    for module in STORE.glob("*.py"):
        used |= set(re.findall(r'QUERIES\["([a-z0-9_]+)"\]', module.read_text(encoding="utf-8")))
    assert used <= set(queries.QUERIES), used - set(queries.QUERIES)
    assert set(queries.QUERIES) <= used, set(queries.QUERIES) - used


def test_no_sql_outside_the_store():
    package = STORE.parent
    offenders = []
    for module in package.rglob("*.py"):
        if STORE in module.parents:
            continue
        if re.search(
            r"\b(INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b", module.read_text(encoding="utf-8")
        ):
            offenders.append(module.name)
    assert offenders == []


def test_psycopg_is_imported_only_by_the_store_and_the_job_outbox():
    # the job outbox defers inside the caller's transaction, on the caller's connection
    package = STORE.parent
    offenders = []
    for module in package.rglob("*.py"):
        relative = module.relative_to(package)
        if STORE in module.parents or relative.as_posix() == "jobs/outbox.py":
            continue
        if re.search(r"^\s*(import psycopg|from psycopg\b)", module.read_text(encoding="utf-8"), re.M):
            offenders.append(str(relative))
    assert offenders == []
