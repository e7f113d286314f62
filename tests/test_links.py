"""Links: short, unguessable, only a hash stored, and each kind of bad link gets its own kind
page."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from portal import links
from portal.extensions import db
from portal.models.personal import Invitation
from portal.timeutil import utcnow

from .conftest import EIGHTEEN_MONTHS, Parent, create_link


def test_link_is_short_enough_for_one_sms(app):
    """Short, but every character random. Fails against a weakened ``new_secret`` that draws
    only the last 4 characters (checked by hand)."""
    with app.app_context():
        tokens = {create_link(app)[1] for _ in range(20)}
    assert len(tokens) == 20
    for token in tokens:
        # 22 letters and digits: 62**22 > 2**130, at least 128 bits of secret.
        assert len(links.LINK_PREFIX + token) == 25
        assert set(token) <= set(links.TOKEN_ALPHABET)
    assert 62**links.TOKEN_LENGTH >= 2**128
    # Drawn from the whole alphabet (a token that used only a part would carry fewer bits).
    assert len(set("".join(tokens))) > 50


def test_only_a_hash_of_the_secret_is_stored(app):
    invitation_id, token = create_link(app)
    secret = token
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.secret_hash == links.secret_hash(secret)
        assert len(secret) >= 22  # more than 128 bits, base 62
    if app.config["PERSONAL_DATABASE_URL"].startswith("sqlite"):
        raw = Path(app.config["PERSONAL_DATABASE_URL"].removeprefix("sqlite:///")).read_bytes()
        wal = Path(app.config["PERSONAL_DATABASE_URL"].removeprefix("sqlite:///") + "-wal")
        raw += wal.read_bytes() if wal.exists() else b""
        assert secret.encode() not in raw
        assert token.encode() not in raw


def test_link_expires_after_thirty_days_by_default(app):
    invitation_id, _ = create_link(app)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        lifetime = invitation.expires_at - invitation.created_at
        assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


@pytest.mark.parametrize(
    ("mangle", "status", "text"),
    [
        (lambda t: t[:-3], 400, "Linket virker ikke"),
        (lambda t: t + "A", 400, "Linket virker ikke"),
        (lambda t: t[:-1] + ".", 400, "Linket virker ikke"),
        # One character changed is a well-formed link that was never issued.
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), 404, "Vi kender ikke dette link"),
        (lambda t: "x" * 300, 400, "Linket virker ikke"),
        (lambda t: "%00%ff.<script>", 400, "Linket virker ikke"),
        (lambda t: "....", 400, "Linket virker ikke"),
    ],
)
def test_tampered_links_get_a_kind_400_page(app, client, mangle, status, text):
    _, token = create_link(app)
    response = client.get(f"/s/{mangle(token)}")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)


def test_unknown_link_with_a_valid_signature_is_404(app, client):
    with app.app_context():
        token = links._signer().sign("never-issued-secret-value").decode()
    response = client.get(f"/s/{token}")
    assert response.status_code == 404
    assert "Vi kender ikke dette link" in response.get_data(as_text=True)


def _old_format_link(app: Flask) -> tuple[int, str]:
    """An invitation with a link as sent before tokens got short: ``secret.timestamp.sig``."""
    invitation_id, _ = create_link(app)
    secret = "old-style-secret-" + "x" * 10
    with app.app_context():
        db.session.get(Invitation, invitation_id).secret_hash = links.secret_hash(secret)
        db.session.commit()
        return invitation_id, links._signer().sign(secret).decode()


def test_links_sent_in_the_old_signed_format_keep_working(app, client):
    invitation_id, token = _old_format_link(app)
    assert "." in token and len(token) > 40
    assert client.get(f"/s/{token}").status_code == 303
    with app.app_context():
        assert links.find_by_token(token).id == invitation_id
        # ... and are refused like any other once revoked, or when their signature is wrong.
        links.revoke(db.session.get(Invitation, invitation_id))
        db.session.commit()
    assert app.test_client().get(f"/s/{token}").status_code == 410
    assert app.test_client().get(f"/s/{token[:-2]}xy").status_code == 400


def test_a_short_token_is_its_own_secret_and_needs_no_key(app):
    """Nothing but the stored hash decides: the token is not derived from the server's key, so
    a copy of the key does not let anyone make links, and key rotation cannot break them."""
    invitation_id, token = create_link(app)
    app.config["SECRET_KEY"] = "another-key-entirely"
    app.config["SECRET_KEY_FALLBACKS"] = []
    with app.app_context():
        assert links.read_token(token) == token
        assert links.find_by_token(token).id == invitation_id
        with pytest.raises(links.LinkError) as refused:
            links.resolve(links.new_secret())
        assert refused.value.problem is links.LinkProblem.UNKNOWN


def test_expired_link_is_410(app, client):
    invitation_id, token = create_link(app)
    with app.app_context():
        db.session.get(Invitation, invitation_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get(f"/s/{token}")
    assert response.status_code == 410
    assert "Linket er udløbet" in response.get_data(as_text=True)


def test_revoked_link_is_410_even_mid_questionnaire(app, client):
    invitation_id, token = create_link(app)
    parent = Parent(client)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    with app.app_context():
        assert links.revoke(db.session.get(Invitation, invitation_id))
        db.session.commit()
    for path in (f"/s/{token}", "/s/page/2"):
        response = client.get(path)
        assert response.status_code == 410
        assert "Linket er annulleret" in response.get_data(as_text=True)


def test_problem_pages_are_translated(app, client):
    _, token = create_link(app, language="en")
    response = client.get(f"/s/{token[:-2]}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)


def test_links_survive_key_rotation(app, tmp_path):
    _, token = create_link(app)
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-key-after-rotation"
    assert app.test_client().get(f"/s/{token}").status_code == 303


def test_parent_pages_without_a_session_say_to_reopen_the_link(client):
    for path in ("/s/", "/s/page/1", "/s/consent", "/s/language", "/s/thanks"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Åbn dit link igen" in response.get_data(as_text=True)
    response = client.post("/s/page/1", data={"visit_useful": "3"}, follow_redirects=True)
    assert response.status_code == 403
    assert "Åbn dit link igen" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/s/page/0", "/s/page/99", "/s/page/-1", "/s/page/x"])
def test_impossible_pages_are_404_not_500(app, parent, path):
    _, token = create_link(app)
    parent.start(token)
    assert parent.client.get(path).status_code == 404


def test_unsafe_next_after_language_is_ignored(app, parent):
    _, token = create_link(app)
    parent.open(token)
    parent.get("/s/language?next=https://evil.example/")
    response = parent.post("/s/language?next=https://evil.example/", {"language": "da"})
    assert response.headers["Location"].endswith("/s/consent")  # the next step, not evil


def test_unknown_language_is_refused_with_a_message(app, parent):
    _, token = create_link(app)
    parent.open(token)
    parent.get("/s/language")
    response = parent.post("/s/language", {"language": "xx"})
    assert response.status_code == 200
    assert "Vælg et sprog." in parent.page_html


def test_sqlite_db_is_a_real_file_per_store(app):
    for key in ("PERSONAL_DATABASE_URL", "RESPONSES_DATABASE_URL"):
        url = app.config[key]
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            tables = {row[0] for row in sqlite3.connect(path).execute(
                "select name from sqlite_master where type='table'")}
            if key.startswith("PERSONAL"):
                assert "invitation" in tables and "response" not in tables
            else:
                assert "response" in tables and "invitation" not in tables
