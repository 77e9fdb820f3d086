"""What the driver makes of a PostgreSQL URL, for the settings (which never import psycopg)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict


def check_pg_url(url: str) -> None:
    """Raise ``ValueError`` (without the URL: it may hold a password) when psycopg cannot parse
    ``url`` or its port is not a number from 1 to 65535.

    psycopg accepts any port text and only fails when connecting, much later than the settings.
    """
    try:
        port = conninfo_to_dict(url).get("port")
    except psycopg.Error:
        raise ValueError("not a PostgreSQL URL") from None
    if port and not all(p.isdigit() and 0 < int(p) < 65536 for p in str(port).split(",")):
        raise ValueError("not a port number")
