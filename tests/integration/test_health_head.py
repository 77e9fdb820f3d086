"""``HEAD /health`` (and ``/metrics``) answer like GET: same status and headers, no body.

Uptime monitors and load balancers probe with HEAD; BaseHTTPRequestHandler answers 501 to a
method it has no ``do_HEAD`` for. Real PostgreSQL (a fresh migrated database).
"""

from __future__ import annotations

import http.client

import pytest

from kenny_wa import health
from kenny_wa.config import load_settings


@pytest.fixture
def server(db_url, tmp_path):
    settings = load_settings({"PG_URL": db_url, "KENNY_WA_STATE_DIR": str(tmp_path)})
    srv = health.make_server(settings, host="127.0.0.1", port=0)
    health.start_in_thread(srv)
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def _request(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/health", "/metrics", "/nowhere"])
def test_head_answers_like_get_without_a_body(server, path):
    get_status, get_headers, get_body = _request(server, "GET", path)
    head_status, head_headers, head_body = _request(server, "HEAD", path)
    assert head_status == get_status
    assert head_headers["Content-Type"] == get_headers["Content-Type"]
    assert int(head_headers["Content-Length"]) > 0
    assert head_body == b""
    assert get_body


def test_head_health_is_503_before_any_sync(server):
    status, _, _ = _request(server, "HEAD", "/health")
    assert status == 503  # never synced: the same verdict GET gives
