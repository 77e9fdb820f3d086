"""The named-query catalogue: ``queries.sql`` split once into ``QUERIES[name]``.

Only modules under ``kenny_wa.store`` read it; no Python code builds SQL text. The file
format (a ``-- name --`` line, ``-- description`` lines, the statement) is pinned by
``tests/unit/test_store_queries.py``.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import LiteralString, cast

HEADER = re.compile(r"(?:\n|^)-- ([a-z0-9_]+) --\n(?:-- .+\n)*", re.MULTILINE)


def parse(text: str) -> dict[str, LiteralString]:
    """Split a query file into ``{name: statement}``; a repeated name is an error."""
    parts = HEADER.split(text)
    result: dict[str, LiteralString] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in result:
            raise ValueError(f"query {name!r} is defined twice")
        statement = body.strip()
        if not statement:
            raise ValueError(f"query {name!r} is empty")
        # The file ships with the package: its text is as trusted as code.
        result[name] = cast(LiteralString, statement.removesuffix(";"))
    return result


def load() -> dict[str, LiteralString]:
    """Read and parse the packaged ``queries.sql``."""
    text = (resources.files("kenny_wa.store") / "queries.sql").read_text(encoding="utf-8")
    return parse(text)


QUERIES: dict[str, LiteralString] = load()
