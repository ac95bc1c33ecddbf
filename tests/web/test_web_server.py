"""web/server.py: the demo site and the widget's files over real HTTP (no browser)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from http.client import HTTPResponse

import pytest

from bot.settings import PROJECT_ROOT, get_settings, load_settings
from web.server import SITE_DIR, make_server, page_values, rasa_origins, render_template

RASA_URL = "http://127.0.0.1:5999"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, RASA_URL, get_settings())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        answer: HTTPResponse = urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    with answer:
        return answer.status, dict(answer.headers), answer.read()


def test_pages_carry_the_rasa_address_and_the_departement_settings(base_url: str) -> None:
    status, headers, body = fetch(base_url + "/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'data-server="{RASA_URL}"' in page
    settings = get_settings()
    assert f'data-retention-days="{settings.retention_days}"' in page
    assert settings.name in page and '<html lang="fr"' in page
    for name in ("index.html", "aides-personnes-agees.html", "donnees-personnelles.html"):
        status, _, body = fetch(f"{base_url}/{name}")
        assert status == 200 and b"{{" not in body and b"chat-widget.js" in body


def test_security_headers(base_url: str) -> None:
    _, headers, _ = fetch(base_url + "/")
    policy = headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999;" in policy
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/widget/chat-widget.js", "text/javascript; charset=utf-8"),
        ("/widget/chat-widget.css", "text/css; charset=utf-8"),
        ("/widget/vendor/socket.io/socket.io.esm.min.js", "text/javascript; charset=utf-8"),
        ("/widget/icons/close.svg", "image/svg+xml"),
        ("/site.css", "text/css; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_type(base_url: str, path: str, mime: str) -> None:
    status, headers, body = fetch(base_url + path)
    assert status == 200 and headers["Content-Type"] == mime and body
    if path.startswith("/widget/"):
        # other origins (the département's real site) include the widget
        assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/../server.py",
        "/widget/../server.py",
        "/widget/%2e%2e/server.py",
        "/%2e%2e/%2e%2e/departement.yml",
        "/widget/..%2f..%2fdepartement.yml",
        "/_partials/header.html",
        "/widget/vendor/../../server.py",
        "/index.html%00.css",
        "/nothing-here.html",
        "/widget",
    ],
)
def test_nothing_outside_the_published_folders(base_url: str, path: str) -> None:
    status, headers, body = fetch(base_url + path)
    assert status == 404
    assert "Page introuvable" in body.decode("utf-8")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_head_and_health(base_url: str) -> None:
    status, headers, body = fetch(base_url + "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    assert fetch(base_url + "/healthz")[:3:2] == (200, b"ok\n")


def test_template_values_are_escaped() -> None:
    page = (SITE_DIR / "index.html").read_text("utf-8")
    settings = replace(get_settings(), name='Département "<script>alert(1)</script>')
    rendered = render_template(page, page_values(settings, RASA_URL))
    assert "<script>alert(1)" not in rendered
    assert "Département &quot;&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    with pytest.raises(KeyError):
        render_template("{{ unknown_value }}", page_values(settings, RASA_URL))


def test_rasa_url_must_be_http() -> None:
    assert rasa_origins("https://assistant.example.fr") == (
        "https://assistant.example.fr wss://assistant.example.fr"
    )
    with pytest.raises(ValueError, match="rasa-url"):
        rasa_origins("javascript:alert(1)")


def test_the_privacy_contact_comes_from_the_departement_file(tmp_path) -> None:
    source = (PROJECT_ROOT / "departement.yml").read_text("utf-8")
    own = tmp_path / "departement.yml"
    own.write_text(
        source.replace("privacy_contact:", "old_privacy_contact:")
        + ("\nprivacy_contact: dpo@exemple.fr\n"),
        "utf-8",
    )
    values = page_values(load_settings(own, env={}), RASA_URL)
    for name in ("index.html", "donnees-personnelles.html"):
        assert "dpo@exemple.fr" in render_template((SITE_DIR / name).read_text("utf-8"), values)
    # Without one, citizens are still told whom to ask.
    own.write_text(source.replace("privacy_contact:", "old_privacy_contact:"), "utf-8")
    default = load_settings(own, env={}).privacy_contact
    assert "délégué à la protection des données" in default and "3994" in default


def test_pages_take_the_departement_identity(base_url: str, tmp_path) -> None:
    """Colour and font come from departement.yml (`identity`): as CSS variables for the pages,
    as attributes for the widget."""
    settings = get_settings()
    status, headers, body = fetch(base_url + "/departement.css")
    css = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    assert f"--identity-colour: {settings.identity.colour};" in css
    assert f"--identity-font: {settings.identity.font};" in css
    page = fetch(base_url + "/")[2].decode("utf-8")
    assert '<link rel="stylesheet" href="/departement.css">' in page
    assert f'data-primary-color="{settings.identity.colour}"' in page
    assert 'data-font="system-ui, -apple-system, &quot;Segoe UI&quot;' in page


# What the State's design system (DSFR) leaves in a file: its class prefix, its name and data
# attributes, its fonts, its "blue France".
STATE_MARKS = re.compile(r"[\s.\"']fr-[a-z]|dsfr|data-fr-|Marianne|Spectral|000091", re.IGNORECASE)


def test_no_state_mark_in_the_widget_or_the_site() -> None:
    """The DSFR's terms of use reserve it to State websites, the Marianne font and pictograms
    are the State's: no file of the widget or the demo pages comes from it or names it."""
    web = PROJECT_ROOT / "web"
    files = [
        path
        for folder in (web / "widget", SITE_DIR)
        for path in folder.rglob("*")
        if path.is_file() and "socket.io" not in path.parts
    ]
    assert len(files) > 10 and not [p for p in files if p.suffix in (".woff", ".woff2")]
    for path in files:
        text = path.read_text("utf-8")
        assert not STATE_MARKS.findall(text.replace("fr-FR", "")), path
    for name in ("package.json", "package-lock.json", "build.mjs"):
        assert "dsfr" not in (web / name).read_text("utf-8"), name


def test_no_state_design_system_file_is_served(base_url: str) -> None:
    for path in ("/widget/vendor/dsfr/dsfr-site.min.css", "/widget/vendor/dsfr/LICENSE.md"):
        assert fetch(base_url + path)[0] == 404
    page = fetch(base_url + "/")[2].decode("utf-8")
    assert not STATE_MARKS.findall(page.replace("fr-FR", "")), "the rendered home page"
