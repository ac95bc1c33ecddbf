"""Static web server for the demo site of the département and the chat widget's files.

    python -m web.server --port 8080 --rasa-url http://127.0.0.1:5005

Serves `web/site/` at `/` (the demo pages) and `web/widget/` at `/widget/` (what a page of the
real site includes). The demo pages are templates: `{{ name }}` placeholders are replaced by the
Rasa address and the département's settings, HTML-escaped. Standard library only: in production
the same files are served by the département's own web server.

Templates may include a shared fragment of `web/site/_partials/` with `{{> name }}` (the header
and footer of every page); folders and files starting with `_` or `.` are never served.
"""

from __future__ import annotations

import argparse
import html
import logging
import re
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.logsafe import install as install_log_filter
from bot.settings import Settings, get_settings

LOG = logging.getLogger("web.server")
WEB_DIR = Path(__file__).resolve().parent
SITE_DIR = WEB_DIR / "site"
WIDGET_DIR = WEB_DIR / "widget"
WIDGET_PREFIX = "/widget/"
MAX_PATH_LENGTH = 2048

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}
PLACEHOLDER = re.compile(r"\{\{\s*(>\s*)?([a-z_]+)\s*\}\}")
PARTIALS_DIR = SITE_DIR / "_partials"


def rasa_origins(rasa_url: str) -> str:
    """The origins the page may connect to for Rasa: http(s) for polling, ws(s) for websocket."""
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--rasa-url must be an http(s) address, got {rasa_url!r}")
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {socket_scheme}://{parts.netloc}"


def security_headers(rasa_url: str) -> dict[str, str]:
    """Headers sent with every answer. The page may talk to itself and to Rasa, nothing else."""
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {rasa_origins(rasa_url)}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def page_values(settings: Settings, rasa_url: str) -> dict[str, str]:
    """What the demo pages' placeholders stand for."""
    return {
        "rasa_url": rasa_url.rstrip("/"),
        "departement_name": settings.name,
        "departement_short_name": settings.short_name,
        "contact_phone": settings.contact_phone,
        "retention_days": str(settings.retention_days),
        "privacy_contact": settings.privacy_contact,
        "website": settings.website,
        "identity_colour": settings.identity.colour,
        "identity_font": settings.identity.font,
    }


# The département's colour and font as CSS variables, for the demo pages' site.css. Both are
# validated when departement.yml is read (bot/identity.py: #rrggbb, font names and quotes).
IDENTITY_CSS_PATH = "/departement.css"


def identity_css(settings: Settings) -> bytes:
    identity = settings.identity
    return (
        f":root {{\n  --identity-colour: {identity.colour};\n"
        f"  --identity-font: {identity.font};\n}}\n"
    ).encode()


def render_template(text: str, values: Mapping[str, str]) -> str:
    """Replace `{{ name }}` by its escaped value and `{{> name }}` by the rendered partial.

    An unknown name is a bug in a page: KeyError / FileNotFoundError, not a silent blank."""

    def replace(match: re.Match[str]) -> str:
        partial, name = match.groups()
        if partial:
            return render_template((PARTIALS_DIR / f"{name}.html").read_text("utf-8"), values)
        return html.escape(values[name], quote=True)

    return PLACEHOLDER.sub(replace, text)


def resolve(path: str) -> tuple[Path, bool] | None:
    """Map a URL path to a file under the site or widget folder, or None (never outside them).

    Returns the file and whether it is a widget asset."""
    if len(path) > MAX_PATH_LENGTH:
        return None
    path = unquote(path)
    if "\x00" in path:
        return None
    if path.startswith(WIDGET_PREFIX):
        root, relative, widget = WIDGET_DIR, path[len(WIDGET_PREFIX) :], True
    else:
        root, relative, widget = SITE_DIR, path.lstrip("/"), False
    if relative in ("", ".") or relative.endswith("/"):
        relative += "index.html"
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    if any(part.startswith((".", "_")) for part in candidate.relative_to(root).parts):
        return None
    return candidate, widget


class Handler(BaseHTTPRequestHandler):
    server_version = "triage-web"
    sys_version = ""

    def __init__(
        self,
        *args,
        headers: dict[str, str],
        values: dict[str, str],
        identity_css: bytes,
        **kwargs,
    ) -> None:
        self.extra_headers = headers
        self.values = values
        self.identity_css = identity_css
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            self.send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8", send_body)
            return
        if path == IDENTITY_CSS_PATH:
            self.send(HTTPStatus.OK, self.identity_css, MIME_TYPES[".css"], send_body)
            return
        found = resolve(path)
        if found is None:
            self.not_found(send_body)
            return
        file, widget = found
        mime = MIME_TYPES.get(file.suffix.lower(), "application/octet-stream")
        body = file.read_bytes()
        if file.suffix == ".html" and not widget:
            body = render_template(body.decode("utf-8"), self.values).encode("utf-8")
        extra = {"Cache-Control": "no-cache"}
        if widget:
            # The widget is included by pages of other origins (the département's real site).
            extra["Access-Control-Allow-Origin"] = "*"
            extra["Cross-Origin-Resource-Policy"] = "cross-origin"
        self.send(HTTPStatus.OK, body, mime, send_body, extra)

    def not_found(self, send_body: bool) -> None:
        page = SITE_DIR / "404.html"
        body = render_template(page.read_text(encoding="utf-8"), self.values).encode("utf-8")
        self.send(HTTPStatus.NOT_FOUND, body, MIME_TYPES[".html"], send_body)

    def send(
        self,
        status: HTTPStatus,
        body: bytes,
        mime: str,
        send_body: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.extra_headers, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        LOG.info("%s %s", self.address_string(), format % args)


def make_server(host: str, port: int, rasa_url: str, settings: Settings) -> ThreadingHTTPServer:
    """A ready server (port 0: any free port, read it from `server.server_address`)."""
    handler = partial(
        Handler,
        headers=security_headers(rasa_url),
        values=page_values(settings, rasa_url),
        identity_css=identity_css(settings),
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the demo site and the chat widget.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    install_log_filter(fmt="%(asctime)s %(name)s %(message)s")  # no personal data in logs
    server = make_server(args.host, args.port, args.rasa_url, get_settings())
    host, port = server.server_address[:2]
    LOG.info("demo site on http://%s:%s/ (Rasa at %s)", host, port, args.rasa_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
