"""Inviting a family by SMS, e-mail and QR, through real servers on loopback, and following up."""

from __future__ import annotations

import logging
import re
from email import message_from_bytes, policy

import pytest

from portal.extensions import db
from portal.models.personal import AuditEvent, DeliveryAttempt, Invitation

from .conftest import EIGHTEEN_MONTHS, Parent, Staff, make_staff, outbox

PHONE = "20 12 34 56"
E164 = "+4520123456"
FAMILY_EMAIL = "familien.hansen@example.dk"
#: Words a neutral message must never contain (Danish and English).
LOADED_WORDS = ("udsat", "sårbar", "vulnerable", "risk", "risiko", "problem", "bekymring")


def invite(staff: Staff, channel: str, questionnaire: str = "18-months", language: str = "da",
           **contact: str):
    """Fill the form, look at the preview, send. Returns the final response (not followed)."""
    staff.get("/staff/invite")
    data = {"questionnaire": questionnaire, "language": language, "channel": channel,
            "phone": "", "email": "", **contact}
    response = staff.post("/staff/invite", {**data, "action": "preview"})
    if channel == "qr" or response.status_code != 200:
        return response
    return staff.post("/staff/invite", {**data, "action": "send"})


def invitation(app, invitation_id: int | None = None) -> Invitation:
    with app.app_context():
        query = db.select(Invitation).order_by(Invitation.id.desc())
        if invitation_id:
            query = query.filter_by(id=invitation_id)
        found = db.session.execute(query).scalars().first()
        db.session.expunge(found)
        return found


def attempts(app) -> list[DeliveryAttempt]:
    with app.app_context():
        return list(db.session.execute(db.select(DeliveryAttempt)).scalars())


def token_in(text: str) -> str:
    match = re.search(r"http://localhost/s/([0-9A-Za-z]{22})\b", text)
    assert match, text
    return match.group(1)


# --- SMS ----------------------------------------------------------------------------------------


def test_sms_through_gatewayapi(app, staff_as, sms_gateway):
    staff = staff_as()
    staff.get("/staff/invite")
    preview = staff.post("/staff/invite", {"questionnaire": "18-months", "language": "da",
                                           "channel": "sms", "phone": PHONE, "email": "",
                                           "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert (
        "Hej fra sundhedsplejen i Egedal Kommune. Hvordan var besøget? Svar her: "
        "http://localhost/s/" in html
    )
    assert "1 SMS (113 tegn, GSM-7)." in html
    assert "+45 20 12 34 56" in html
    assert not sms_gateway.requests  # nothing is sent before "Send"

    response = staff.post("/staff/invite", {"questionnaire": "18-months", "language": "da",
                                            "channel": "sms", "phone": PHONE, "email": "",
                                            "action": "send"})
    assert response.status_code == 303
    [request] = sms_gateway.requests
    assert request["path"] == "/rest/mtsms"
    assert request["headers"]["Authorization"] == "Token gateway-test-token"
    body = request["json"]
    assert body["sender"] == "Egedal"
    assert body["recipients"] == [{"msisdn": 4520123456}]
    assert "encoding" not in body  # Danish fits GSM-7
    message = body["message"]
    assert message.startswith("Hej fra sundhedsplejen i Egedal Kommune. Hvordan var besøget?")
    assert not any(word in message.lower() for word in LOADED_WORDS)
    assert len(token_in(message)) + len("/s/") == 25

    sent = invitation(app)
    assert (sent.status, sent.channel, sent.phone, sent.email) == ("sent", "sms", E164, None)
    assert [a.ok for a in attempts(app)] == [True]
    assert outbox(app) == ""

    # The parent's link works, and the staff see the status change.
    parent = Parent(app.test_client())
    parent.open(token_in(message))
    parent.choose_language("da")  # "opened" once a person acts, not on the GET
    staff.get(f"/staff/invitations/{sent.id}")
    assert "Åbnet" in staff.page_html


def test_sms_in_english_says_so_in_english(app, staff_as, sms_gateway):
    response = invite(staff_as(), "sms", language="en", phone=PHONE)
    assert response.status_code == 303
    assert sms_gateway.requests[0]["json"]["message"].startswith(
        "Hello from the health visitors in Egedal Kommune. How was the visit?"
    )


def test_generic_gateway(app, staff_as, sms_gateway):
    app.config.update(SMS_BACKEND="generic", SMS_TOKEN="generic-secret")
    invite(staff_as(), "sms", phone="+46 70 123 45 67")
    [request] = sms_gateway.requests
    assert request["headers"]["Authorization"] == "Bearer generic-secret"
    assert request["json"]["to"] == "+46701234567"
    assert request["json"]["sender"] == "Egedal"
    assert "http://localhost/s/" in request["json"]["message"]


def test_failed_sms_is_kept_visible_and_retryable(app, staff_as, sms_gateway, caplog):
    caplog.set_level(logging.DEBUG)
    sms_gateway.status = 500
    staff = staff_as()
    response = invite(staff, "sms", phone=PHONE)
    assert response.status_code == 303
    failed = invitation(app)
    assert failed.status == "delivery_failed"
    page = staff.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Beskeden kunne ikke sendes" in html
    assert "Prøv igen" in html
    assert "gateway_http_500" in html
    assert [(a.ok, a.error_code) for a in attempts(app)] == [(False, "gateway_http_500")]

    staff.get("/staff/invitations?status=delivery_failed")
    assert f"/staff/invitations/{failed.id}" in staff.page_html

    # The gateway is back: try again.
    sms_gateway.status = 200
    staff.get(f"/staff/invitations/{failed.id}")
    response = staff.post(f"/staff/invitations/{failed.id}/resend", {})
    assert response.status_code == 303
    assert invitation(app, failed.id).status == "sent"
    assert len(sms_gateway.requests) == 2
    # The link from the failed attempt never reached anyone; the new one works.
    opener = Parent(app.test_client())
    opener.open(token_in(sms_gateway.requests[1]["json"]["message"]))
    opener.choose_language("da")  # "opened" is recorded when a person acts, not on a GET
    assert invitation(app, failed.id).status == "opened"

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "gateway_http_500" in logged
    for detail in (E164, "20123456", "4520123456", "20 12 34 56"):
        assert detail not in logged


def test_unreachable_gateway(app, staff_as):
    app.config.update(SMS_BACKEND="gatewayapi", SMS_URL="http://127.0.0.1:9/rest/mtsms",
                      SMS_TOKEN="t")
    invite(staff_as(), "sms", phone=PHONE)
    assert invitation(app).status == "delivery_failed"
    assert attempts(app)[0].error_code == "gateway_unreachable"


def test_console_backend_is_the_default_outside_production(app, staff_as):
    invite(staff_as(), "sms", phone=PHONE)
    text = outbox(app)
    assert "sms to +45…56" in text
    assert E164 not in text
    assert "http://localhost/s/" in text


# --- e-mail -------------------------------------------------------------------------------------


def test_email_through_a_real_smtp_server(app, staff_as, smtp_server):
    staff = staff_as()
    response = invite(staff, "email", email=" Familien.Hansen@Example.dk ")
    assert response.status_code == 303
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["Familien.Hansen@example.dk"]
    assert envelope.mail_from == "sundhedsplejen@egedal.dk"
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "Spørgsmål fra sundhedsplejen i Egedal Kommune"
    assert mail["Content-Language"] == "da"
    body = mail.get_content()
    assert "Ingen kan se, hvilke svar der er dine" in body
    assert not any(word in body.lower() for word in LOADED_WORDS)
    sent = invitation(app)
    assert (sent.status, sent.email, sent.phone) == ("sent", "Familien.Hansen@example.dk", None)

    # The family answers; the staff see "completed" and never an answer.
    parent = Parent(app.test_client())
    parent.start(token_in(body))
    for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
        parent.answer(number, answers, action="submit" if number == 4 else "next")
    staff.get("/staff/invitations")
    assert "Besvaret" in staff.page_html
    staff.get(f"/staff/invitations/{sent.id}")
    assert "Besvaret" in staff.page_html
    assert "Tak for besøget" not in staff.page_html


def test_refused_email_is_delivery_failed_and_never_logged(app, staff_as, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    smtp_server.refuse.add(FAMILY_EMAIL)
    staff = staff_as()
    response = invite(staff, "email", email=FAMILY_EMAIL)
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kunne ikke sendes" in page
    assert invitation(app).status == "delivery_failed"
    assert attempts(app)[0].error_code == "smtp_recipient_refused"
    # The test's SMTP server logs what it receives; the portal's own log lines must not.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "smtp_recipient_refused" in ours
    assert "familien.hansen" not in ours.lower()


def test_smtp_server_down(app, staff_as):
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9,
                      SMTP_SECURITY="none", MAIL_FROM="x@egedal.dk")
    invite(staff_as(), "email", email=FAMILY_EMAIL)
    assert invitation(app).status == "delivery_failed"
    assert attempts(app)[0].error_code == "smtp_unreachable"


# --- QR -----------------------------------------------------------------------------------------


def test_qr_code_on_screen_stores_no_contact(app, staff_as):
    staff = staff_as()
    response = invite(staff, "qr", questionnaire="cos-p", phone="20 12 34 56",
                      email="ignored@example.dk")
    assert response.status_code == 303
    page = staff.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "style=" not in html and "<script" not in html
    svg_path = re.search(r'<img src="([^"]+\.svg)"', html).group(1)
    svg = staff.client.get(svg_path)
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<?xml") and b"<svg" in svg.data

    made = invitation(app)
    assert (made.channel, made.phone, made.email, made.status) == ("qr", None, None, "created")
    assert not attempts(app)

    # The scanned link works ("opened" once the parent acts, not on the camera app's GET).
    scanned = Parent(app.test_client())
    scanned.open(token_in(html))
    scanned.choose_language("da")
    assert invitation(app, made.id).status == "opened"

    # Another staff member cannot fetch the code.
    other = staff_as("coordinator")
    assert other.client.get(svg_path).status_code == 404


def test_a_new_qr_code_keeps_the_old_one_working(app, staff_as):
    staff = staff_as()
    page = staff.get(invite(staff, "qr").headers["Location"]).get_data(as_text=True)
    old = token_in(page)
    made = invitation(app)
    staff.get(f"/staff/invitations/{made.id}")
    response = staff.post(f"/staff/invitations/{made.id}/resend", {})
    new = token_in(staff.get(response.headers["Location"]).get_data(as_text=True))
    assert new != old
    # A code printed on a card at the first visit must still open the questionnaire.
    assert Parent(app.test_client()).open(old).status_code == 200
    assert Parent(app.test_client()).open(new).status_code == 200


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"channel": "sms", "phone": "1234"}, "Det er ikke et gyldigt mobilnummer"),
        ({"channel": "sms", "phone": "+1 555 0100"}, "Det er ikke et gyldigt mobilnummer"),
        ({"channel": "sms", "phone": "+46 12"}, "Det er ikke et gyldigt mobilnummer"),
        ({"channel": "sms", "phone": "+49 30 1234"}, "kan ikke modtage SMS"),
        ({"channel": "sms", "phone": "twenty"}, "Det er ikke et gyldigt mobilnummer"),
        ({"channel": "sms", "phone": "+44 20 7946 0018"}, "kan ikke modtage SMS"),
        ({"channel": "sms", "phone": ""}, "Skriv familiens mobilnummer."),
        ({"channel": "email", "email": "hansen@"}, "Det er ikke en gyldig e-mailadresse"),
        ({"channel": "email", "email": "hansen at example.dk"},
         "Det er ikke en gyldig e-mailadresse"),
        ({"channel": "email", "email": ""}, "Skriv familiens e-mailadresse."),
        ({"questionnaire": "5-years"}, "Vælg et af spørgeskemaerne på listen."),
        ({"questionnaire": ""}, "Vælg et spørgeskema."),
        ({"language": "xx"}, "Vælg et af sprogene på listen."),
        ({"channel": ""}, "Vælg, hvordan familien får linket."),
        ({"channel": "fax"}, "Vælg en af måderne på listen."),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_lost(app, staff_as, fields, message):
    staff = staff_as()
    data = {"questionnaire": "3-years", "language": "en", "channel": "sms",
            "phone": "+45 20 12 34 56", "email": "kept@example.dk", **fields}
    staff.get("/staff/invite")
    response = staff.post("/staff/invite", {**data, "action": "send"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html
    for name in ("phone", "email"):
        assert f'value="{data[name]}"' in html or not data[name]
    if fields.get("questionnaire") is None:
        assert 'value="3-years" checked' in html
    with app.app_context():
        assert db.session.execute(db.select(Invitation)).first() is None


def test_foreign_numbers_are_accepted_with_their_country_code(app, staff_as):
    for number, e164 in (("+46 70 123 45 67", "+46701234567"),
                         ("0049 151 23456789", "+4915123456789")):
        invite(staff_as(), "sms", phone=number)
        assert invitation(app).phone == e164


def test_missing_csrf_token_keeps_the_form(app, staff_as):
    staff = staff_as()
    response = staff.client.post("/staff/invite", data={
        "questionnaire": "3-years", "language": "en", "channel": "sms", "phone": PHONE,
        "email": "", "action": "send"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden havde været åben længe" in html
    assert f'value="{PHONE}"' in html
    assert 'value="3-years" checked' in html
    with app.app_context():
        assert db.session.execute(db.select(Invitation)).first() is None


def test_change_button_brings_the_form_back_filled(app, staff_as):
    staff = staff_as()
    staff.get("/staff/invite")
    data = {"questionnaire": "cos-p", "language": "en", "channel": "email", "phone": "",
            "email": FAMILY_EMAIL}
    staff.post("/staff/invite", {**data, "action": "preview"})
    response = staff.post("/staff/invite", {**data, "action": "edit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{FAMILY_EMAIL}"' in html and 'value="cos-p" checked' in html


# --- following up ------------------------------------------------------------------------------


def test_health_visitors_see_their_team_and_coordinators_their_municipality(app, staff_as):
    north = staff_as("health_visitor", team_index=0)
    south = staff_as("health_visitor", team_index=1)
    invite(north, "qr")
    north_id = invitation(app).id
    invite(south, "qr", questionnaire="3-years")
    south_id = invitation(app).id
    copenhagen = staff_as("coordinator", municipality_code="0101")
    egedal = staff_as("coordinator")

    north.get("/staff/invitations")
    assert f"/staff/invitations/{north_id}\"" in north.page_html
    assert f"/staff/invitations/{south_id}\"" not in north.page_html
    assert north.client.get(f"/staff/invitations/{south_id}").status_code == 404
    assert north.client.get(f"/staff/invitations/{north_id}").status_code == 200
    north.get(f"/staff/invitations/{north_id}")
    assert north.post(f"/staff/invitations/{south_id}/revoke", {}).status_code == 404

    egedal.get("/staff/invitations")
    assert f"/staff/invitations/{north_id}\"" in egedal.page_html
    assert f"/staff/invitations/{south_id}\"" in egedal.page_html
    copenhagen.get("/staff/invitations")
    assert "/staff/invitations/" not in copenhagen.page_html.replace("/staff/invitations/new", "")


def test_filters(app, staff_as):
    staff = staff_as()
    invite(staff, "qr", questionnaire="cos-p")
    cos_p = invitation(app).id
    invite(staff, "sms", questionnaire="3-years", phone=PHONE)
    sms = invitation(app).id
    staff.get("/staff/invitations?questionnaire=cos-p")
    assert f"/staff/invitations/{cos_p}\"" in staff.page_html
    assert f"/staff/invitations/{sms}\"" not in staff.page_html
    staff.get("/staff/invitations?channel=sms&status=sent")
    assert f"/staff/invitations/{sms}\"" in staff.page_html
    assert f"/staff/invitations/{cos_p}\"" not in staff.page_html
    response = staff.get("/staff/invitations?status=<script>&channel=" + "x" * 500)
    assert response.status_code == 200


def test_revoke_stops_the_link(app, staff_as):
    staff = staff_as()
    page = staff.get(invite(staff, "qr").headers["Location"]).get_data(as_text=True)
    token = token_in(page)
    made = invitation(app)
    staff.get(f"/staff/invitations/{made.id}")
    response = staff.post(f"/staff/invitations/{made.id}/revoke", {})
    assert response.status_code == 303
    assert "Invitationen er tilbagekaldt" in staff.get(response.headers["Location"]).get_data(
        as_text=True)
    assert invitation(app, made.id).status == "revoked"
    assert Parent(app.test_client()).open(token).status_code == 410
    # Revoking twice is harmless and says so.
    staff.get(f"/staff/invitations/{made.id}")
    response = staff.post(f"/staff/invitations/{made.id}/revoke", {}, follow=True)
    assert "allerede besvaret eller tilbagekaldt" in response.get_data(as_text=True)


def test_no_resend_after_consent(app, staff_as, sms_gateway):
    staff = staff_as()
    invite(staff, "sms", phone=PHONE)
    made = invitation(app)
    Parent(app.test_client()).start(token_in(sms_gateway.requests[0]["json"]["message"]))
    assert invitation(app, made.id).status == "consented"
    staff.get(f"/staff/invitations/{made.id}")
    assert "Send igen" not in staff.page_html
    response = staff.post(f"/staff/invitations/{made.id}/resend", {}, follow=True)
    assert "kan ikke sendes igen" in response.get_data(as_text=True)
    assert len(sms_gateway.requests) == 1


def test_audit_trail_has_actions_but_no_contact_or_token(app, staff_as, sms_gateway,
                                                         smtp_server):
    staff = staff_as()
    invite(staff, "sms", phone=PHONE)
    sms_id = invitation(app).id
    invite(staff, "email", email=FAMILY_EMAIL)
    invite(staff, "qr")
    staff.get(f"/staff/invitations/{sms_id}")
    staff.post(f"/staff/invitations/{sms_id}/resend", {})
    staff.get(f"/staff/invitations/{sms_id}")
    staff.post(f"/staff/invitations/{sms_id}/revoke", {})
    with app.app_context():
        events = list(db.session.execute(db.select(AuditEvent)).scalars())
        secrets = [i.secret_hash for i in db.session.execute(db.select(Invitation)).scalars()]
    actions = [e.action for e in events]
    for action in ("invitation.created", "invitation.sent", "invitation.resent",
                   "invitation.revoked"):
        assert action in actions
    dumped = repr([(e.actor, e.action, e.subject, e.details, e.note) for e in events])
    tokens = [token_in(r["json"]["message"]) for r in sms_gateway.requests]
    for secret in [E164, "20123456", FAMILY_EMAIL, "familien", *tokens, *secrets]:
        assert secret not in dumped
    assert "/s/" not in dumped


def test_audit_refuses_unknown_details(app):
    from portal import audit

    with app.app_context(), pytest.raises(ValueError, match="phone"):
        audit.record("cli", "x", phone=E164)


def test_pages_carry_no_inline_styles_or_scripts(app, staff_as, sms_gateway):
    staff = staff_as("admin")
    invite(staff, "sms", phone=PHONE)
    made = invitation(app)
    for path in ("/staff/invite", "/staff/invitations", f"/staff/invitations/{made.id}",
                 "/staff/users", "/staff/users/new", "/staff/login"):
        html = staff.client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "style=" not in html and "<script" not in html, path
        assert 'name="viewport" content="width=device-width' in html


def test_make_staff_helper_is_team_scoped(app):
    user_id, _ = make_staff(app, "health_visitor", team_index=None)
    assert user_id


def test_list_shows_counts_and_the_answer_rate(app, staff_as, sms_gateway):
    staff = staff_as("coordinator")
    for _ in range(3):
        invite(staff, "qr")
    with app.app_context():
        first, second, third = db.session.execute(
            db.select(Invitation).order_by(Invitation.id)).scalars()
        first.status = "completed"
        second.status = "revoked"
        db.session.commit()
    staff.get("/staff/invitations")
    html = staff.page_html
    assert "Besvaret: 1" in html and "Tilbagekaldt: 1" in html and "Ikke åbnet endnu: 1" in html
    assert "Besvaret: 50% af invitationerne" in html


def test_the_form_remembers_the_last_choices_but_not_the_contact_or_language(
    app, staff_as, sms_gateway
):
    """The language is the family's: the next family gets none chosen in advance (a remembered
    Arabic made the next Danish family's SMS Arabic), unless it comes from their invitation."""
    staff = staff_as()
    invite(staff, "sms", questionnaire="cos-p", language="ar", phone=PHONE)
    staff.get("/staff/invite")
    html = staff.page_html
    assert 'value="cos-p" checked' in html and 'value="sms" checked' in html
    assert '<option selected value="">Vælg familiens sprog</option>' in html
    assert "selected value=\"ar\"" not in html
    assert "20 12 34 56" not in html and E164 not in html
    # Sent without a language: refused, clearly, the rest kept.
    response = staff.post("/staff/invite", {"questionnaire": "cos-p", "language": "",
                                            "channel": "sms", "phone": PHONE, "email": "",
                                            "action": "preview"})
    assert response.status_code == 400
    assert "Vælg familiens sprog." in response.get_data(as_text=True)
    assert f'value="{PHONE}"' in response.get_data(as_text=True)
    # From that family's invitation, "new invitation" starts in their language.
    made = invitation(app)
    staff.get(f"/staff/invitations/{made.id}")
    assert "/staff/invite?language=ar" in staff.page_html
    staff.get("/staff/invite?language=ar")
    assert '<option selected value="ar">Arabisk – \u2068العربية\u2069</option>' in staff.page_html


def test_unicode_sms_asks_the_gateway_for_ucs2(app, sms_gateway):
    from portal import delivery

    with app.app_context():
        text = "مرحبا، نود أن نسمع رأيك"
        delivery.send(delivery.Message("sms", E164, text, encoding="ucs2"))
    body = sms_gateway.requests[0]["json"]
    assert body["encoding"] == "UCS2"
    assert body["message"] == "مرحبا، نود أن نسمع رأيك"


def test_production_offers_only_configured_channels(app, staff_as):
    staff = staff_as()
    app.config["ENV"] = "production"  # nothing configured: SMS and e-mail are off
    staff.get("/staff/invite")
    assert 'value="qr"' in staff.page_html
    assert 'value="sms"' not in staff.page_html and 'value="email"' not in staff.page_html
    response = staff.post("/staff/invite", {"questionnaire": "3-years", "language": "da",
                                            "channel": "sms", "phone": PHONE, "email": "",
                                            "action": "send"})
    assert response.status_code == 400
    assert "Vælg en af måderne på listen." in response.get_data(as_text=True)
    assert f'value="{PHONE}"' in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["0", "99999999999999999999999", "9223372036854775808"])
def test_absurd_ids_are_not_found(app, staff_as, number):
    staff = staff_as("admin")
    for path in (f"/staff/invitations/{number}", f"/staff/users/{number}",
                 f"/staff/invitations/{number}/qr"):
        assert staff.client.get(path).status_code == 404, path
    staff.get("/staff/invitations")
    assert staff.post(f"/staff/invitations/{number}/revoke", {}).status_code == 404


def test_no_database_lock_is_held_while_the_gateway_answers(app, staff_as, sms_gateway):
    import sqlite3

    url = app.config["PERSONAL_DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock only")
    path = url.removeprefix("sqlite:///")
    results = []

    def write_from_another_worker():
        connection = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            results.append("free")
        except sqlite3.OperationalError as error:
            results.append(str(error))
        finally:
            connection.close()

    sms_gateway.during = write_from_another_worker
    invite(staff_as(), "sms", phone=PHONE)
    assert results == ["free"]


def test_a_double_tap_on_send_invites_once(app, staff_as, sms_gateway):
    staff = staff_as()
    staff.get("/staff/invite")
    nonce = re.search(r'id="nonce" name="nonce" type="hidden" value="([^"]+)"',
                      staff.page_html).group(1)
    data = {"questionnaire": "18-months", "language": "da", "channel": "sms", "phone": PHONE,
            "email": "", "nonce": nonce}
    preview = staff.post("/staff/invite", {**data, "action": "preview"})
    assert f'value="{nonce}"' in preview.get_data(as_text=True)
    first = staff.post("/staff/invite", {**data, "action": "send"})
    second = staff.post("/staff/invite", {**data, "action": "send"})
    assert first.headers["Location"] == second.headers["Location"]
    assert len(sms_gateway.requests) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar() == 1
    page = staff.get(second.headers["Location"]).get_data(as_text=True)
    assert "allerede lavet" in page
    # A fresh form is a new invitation.
    staff.get("/staff/invite")
    assert f'value="{nonce}"' not in staff.page_html


def test_a_forged_nonce_is_ignored(app, staff_as):
    staff = staff_as()
    for nonce in ("x", "<script>", "a" * 40):
        invite(staff, "qr", nonce=nonce)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar() == 3
