"""Session ids the chat channels issue, rate limits, allowed origins (no Rasa, milliseconds)."""

from __future__ import annotations

from dataclasses import replace

from bot.settings import load_settings
from channels import sessions

KEY = b"k" * 32


def test_a_signed_session_is_resumed_anything_else_is_a_new_one() -> None:
    session_id, token = sessions.issue(KEY)
    assert sessions.resume_or_issue(KEY, token) == (session_id, token)
    for given in (
        session_id,  # the bare id (seen in a log, a shared screen): not enough
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # tampered signature
        sessions.issue(b"other key" * 4)[1],  # signed by someone else
        "x" * 1_000_000,
        None,
        {"session_id": token},
        "../../etc",
    ):
        other, other_token = sessions.resume_or_issue(KEY, given)
        assert other != session_id and sessions.verify(KEY, other_token) == other


def test_call_ids_are_bounded_plain_text() -> None:
    assert sessions.valid_call_id("3f2a9c1e-7b4d-4e1a-9c2b-0a1b2c3d4e5f")
    for bad in ("", "a" * 65, "a b", "=HYPERLINK()", None, 12, "é"):
        assert not sessions.valid_call_id(bad)


def test_rate_limit_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    limit = sessions.RateLimit(per_minute=6, burst=3, clock=lambda: now[0])
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")  # per key
    now[0] += 10  # one more message every 10 s
    assert limit.allow("a") and not limit.allow("a")


def test_site_origins_come_from_the_configuration() -> None:
    env = {"TRIAGE_SITE_ORIGINS": "https://www.val-de-marne.fr/ http://127.0.0.1:8080 *"}
    given = load_settings(env=env)
    assert sessions.site_origins(given) == ["http://127.0.0.1:8080", "https://www.val-de-marne.fr"]
    website = replace(load_settings(env={}), website="https://exemple.fr/aides")
    assert sessions.site_origins(website) == ["https://exemple.fr"]
