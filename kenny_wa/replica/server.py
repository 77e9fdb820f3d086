"""HTTP server for the replica: the served shell, the page app's API, media and the control API."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import images, qr, scenario
from .state import ReplicaState, Settings

STATIC = Path(__file__).parent / "static"
CONTROL = "/__replica/"
PAGE_API = "/__replica/page/"


def _template(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _shell_in(shell: bytes, lang: str) -> bytes:
    """The served shell's <html lang> (2026) or loc (2024) in the page language; the page app
    words the rest when it boots."""
    tag = lang.encode("ascii", "ignore")
    for attr in (b"lang", b"loc"):
        shell = shell.replace(b" " + attr + b'="en"', b" " + attr + b'="' + tag + b'"', 1)
    return shell


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    # --- plumbing -----------------------------------------------------------------------
    @property
    def state(self) -> ReplicaState:
        return self.server.state

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj: object, status: int = 200) -> None:
        try:
            body = json.dumps(obj, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate (bad-input scenarios): JSON escapes carry it
            body = json.dumps(obj).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _body(self) -> dict | list:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw.strip() else {}

    def _route(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}

    def _limited(self, path: str) -> bool:
        counted = not path.startswith(CONTROL) or (
            path.startswith(PAGE_API) and not path.endswith(("/poll", "/rendered")))
        if counted and self.state.over_rate():
            self._send(429, _template("429.html"), "text/html; charset=utf-8")
            return True
        return False

    # --- verbs ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, q = self._route()
        try:
            if self._limited(path):
                return
            if path.startswith(PAGE_API):
                self._page_get(path.removeprefix(PAGE_API), q)
            elif path.startswith("/__replica/media/"):
                self._media(path.rsplit("/", 1)[1], q)
            elif path.startswith(CONTROL):
                self._control_get(path.removeprefix(CONTROL), q)
            elif path.startswith("/static/"):
                self._static(path.removeprefix("/static/"))
            elif path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")
            elif path in ("/", "/index.html", "/send"):
                self._shell()
            else:
                self._send(404, b"not found", "text/plain")
        except KeyError as e:
            self._json({"error": f"not found: {e}"}, 404)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_HEAD = do_GET

    def do_POST(self) -> None:
        path, _ = self._route()
        try:
            if self._limited(path):
                return
            body = self._body()
            if path.startswith(PAGE_API):
                self._page_post(path.removeprefix(PAGE_API), body)
            elif path.startswith(CONTROL):
                self._control_post(path.removeprefix(CONTROL), body)
            else:
                self._send(404, b"not found", "text/plain")
        except (KeyError, ValueError) as e:
            self._json({"error": str(e)}, 400)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # --- the served page ---------------------------------------------------------------------
    def _shell(self) -> None:
        if "HeadlessChrome" in (self.headers.get("User-Agent") or ""):
            self._send(200, _template("unsupported.html"), "text/html; charset=utf-8")
            return
        name = "shell-2024.html" if self.state.settings.era == "p4" else "shell-2026.html"
        self._send(200, _shell_in(_template(name), self._page_lang()), "text/html; charset=utf-8")

    def _page_lang(self) -> str:
        """The language the shell is served in: the setting, else the browser's first choice."""
        accept = (self.headers.get("Accept-Language") or "").split(",")[0].split(";")[0].strip()
        return self.state.settings.lang or accept or "en"

    def _static(self, name: str) -> None:
        target = (STATIC / name).resolve()
        if STATIC.resolve() not in target.parents or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or target.suffix == ".js":
            ctype = ("text/javascript" if target.suffix == ".js" else ctype) + "; charset=utf-8"
        self._send(200, target.read_bytes(), ctype)

    def _authorised(self, q: dict) -> bool:
        if self.state.session(q.get("token")) is None:
            self._json({"error": "logged out"}, 401)
            return False
        return True

    def _page_get(self, name: str, q: dict) -> None:
        st = self.state
        if name == "boot":
            auth = st.boot(q.get("token"), q.get("tab", ""))
            s = st.settings
            self._json({"auth": auth, "era": s.era, "lang": s.lang, "locale": s.locale,
                        "caps_separators": s.caps_separators, "own_name": st.scenario.own_name,
                        "qr_rotation_ms": s.qr_rotation_ms, "qr_max_rotations": s.qr_max_rotations,
                        "loading_ms": s.loading_ms, "boot_ms": s.boot_ms, "poll_ms": s.poll_ms,
                        "settings_version": st.settings_version})
        elif name == "qr":
            ref = qr.new_ref()
            self._json({"ref": ref, "matrix": qr.matrix(ref)})
        elif name == "poll":
            self._json(st.poll(q.get("client", ""), q.get("token"), q.get("tab", ""), q.get("screen", "")))
        elif name == "chats":
            if self._authorised(q):
                self._json({"chats": st.chats_payload(), "version": st.version})
        elif name == "messages":
            if self._authorised(q):
                self._json(st.messages_payload(q["chat"], q.get("mode", "open"), q.get("cursor")))
        else:
            self._send(404, b"not found", "text/plain")

    def _page_post(self, name: str, body: dict | list) -> None:
        if name == "takeover":
            self._json({"ok": self.state.takeover(body.get("token", ""), body.get("tab", ""))})
        elif name == "interactions":
            self.state.record(body if isinstance(body, list) else [body])
            self._json({"ok": True})
        elif name == "mark-unread":
            self._json({"ok": self.state.mark_unread(str(body["chat"]))})
        elif name == "rendered":  # instrumentation for the benchmarks' floor, not WhatsApp's
            self.state.chunk_rendered(str(body["chat"]), float(body["ms"]))
            self._json({"ok": True})
        else:
            self._send(404, b"not found", "text/plain")

    def _media(self, msg_id: str, q: dict) -> None:
        if not self._authorised(q):
            return
        msg = self.state.message(msg_id)
        if msg is None or msg.attachment is None:
            self._send(404, b"", "application/octet-stream")
            return
        data = images.xor(images.media_bytes(msg.attachment), msg.attachment.key)
        self._send(200, data, "application/octet-stream")

    # --- control API -------------------------------------------------------------------------
    def _control_get(self, name: str, q: dict) -> None:
        st = self.state
        if name == "ground-truth":
            self._json(st.ground_truth(q.get("self_id", "me")))
        elif name == "interactions":
            self._json({"interactions": st.interactions})
        elif name == "stats":
            self._json(st.stats())
        elif name == "read-receipts":
            self._json({"read_receipts": st.receipts()})
        elif name == "settings":
            self._json(st.update_settings({}))
        else:
            self._send(404, b"not found", "text/plain")

    def _control_post(self, name: str, body: dict) -> None:
        st = self.state
        if name == "pair":
            self._json({"paired": st.pair()})
        elif name == "expire":
            self._json({"revoked": st.expire()})
        elif name == "conflict":
            self._json({"sessions": st.conflict()})
        elif name == "messages":
            at = dt.datetime.fromisoformat(body["at"]) if body.get("at") else None
            self._json(st.add_message(body["chat"], body.get("text"), bool(body.get("is_outgoing")),
                                      body.get("kind", "text"), body.get("self_id", "me"), at))
        elif name == "edit":
            self._json(st.edit_message(body["message"], body["text"], body.get("self_id", "me")))
        elif name == "revoke":
            self._json(st.revoke_message(body["message"], body.get("self_id", "me")))
        elif name == "react":
            self._json(st.react(body["message"], body["emoji"], body.get("self_id", "me")))
        elif name == "settings":
            self._json(st.update_settings(body))
        elif name == "phone-read":
            chat = body.get("chat")
            self._json({"chats": st.phone_read(None if chat is None else str(chat))})
        elif name == "reset-stats":
            st.reset_stats()
            self._json({"ok": True})
        else:
            self._send(404, b"not found", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], state: ReplicaState) -> None:
        super().__init__(addr, _Handler)
        self.state = state

    def handle_error(self, request: object, client_address: object) -> None:
        # a browser closing its idle keep-alive connections is no error worth a traceback
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """The replica in a background thread, for tests and benchmarks.

    with ReplicaServer(scenario="default", era="p6", seed=1, latency_ms=0) as r:
        r.url; r.pair(); r.ground_truth(); r.add_message(chat, "hi"); r.expire(); r.stats()
        r.edit(message_id, "new text"); r.revoke(message_id); r.react(message_id, "👍")

    ``lang`` is the page language (WhatsApp Web's own setting: words and formats; None = the
    browser's), ``locale`` overrides its date and time formats only; the browser's own locale
    is the Playwright context's (``browser.new_context(locale=…)``).
    """

    def __init__(self, scenario: str = "default", era: str = "p6", seed: int = 1,
                 latency_ms: int = 300, locale: str | None = None, port: int = 0,
                 host: str = "127.0.0.1", now: dt.datetime | None = None, lang: str | None = None,
                 **settings: object) -> None:
        scn = _load(scenario, seed, now)
        cfg = Settings(era=era, latency_ms=latency_ms)
        cfg.update({"lang": lang, "locale": locale})
        cfg.update(settings)
        self.state = ReplicaState(scn, cfg)
        self._httpd = _Server((host, port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def scenario(self) -> scenario.Scenario:
        return self.state.scenario

    def start(self) -> ReplicaServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pair(self) -> int:
        return self.state.pair()

    def expire(self) -> int:
        return self.state.expire()

    def conflict(self) -> int:
        return self.state.conflict()

    def add_message(self, chat: str, text: str | None = None, is_outgoing: bool = False,
                    kind: str = "text", self_id: str = "me", at: dt.datetime | None = None) -> dict:
        return self.state.add_message(chat, text, is_outgoing, kind, self_id, at)

    def edit(self, message: str, text: str, self_id: str = "me") -> dict:
        return self.state.edit_message(message, text, self_id)

    def revoke(self, message: str, self_id: str = "me") -> dict:
        return self.state.revoke_message(message, self_id)

    def react(self, message: str, emoji: str, self_id: str = "me") -> dict:
        return self.state.react(message, emoji, self_id)

    def settings(self, **changes: object) -> dict:
        return self.state.update_settings(changes)

    def ground_truth(self, self_id: str = "me") -> dict:
        return self.state.ground_truth(self_id)

    def stats(self) -> dict:
        return self.state.stats()

    def reset_stats(self) -> None:
        self.state.reset_stats()

    def read_receipts(self) -> dict[str, list[str]]:
        return self.state.receipts()

    def phone_read(self, chat: str | None = None) -> int:
        return self.state.phone_read(chat)

    def interactions(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.interactions)


def _load(name: str, seed: int, now: dt.datetime | None) -> scenario.Scenario:
    return scenario.load(name, seed, now)


def serve(scenario: str = "default", port: int = 0, era: str = "p6", locale: str | None = None,
          latency_ms: int = 300, seed: int = 1, lang: str | None = None) -> None:
    """Serve the replica on 127.0.0.1 until interrupted; prints the URL (the CLI entry point)."""
    r = ReplicaServer(scenario=scenario, era=era, seed=seed, latency_ms=latency_ms, locale=locale,
                      port=port, lang=lang)
    print(f"WhatsApp Web replica ({r.scenario.name}, {era}) at {r.url}", flush=True)
    try:
        r._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        r._httpd.server_close()
