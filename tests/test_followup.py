"""Reminders and the retention purge, run as the scheduled ``flask`` commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.personal import AuditEvent, Invitation
from portal.timeutil import utcnow

from .conftest import Parent
from .test_staff_invite import E164, FAMILY_EMAIL, PHONE, invite, token_in


def _age(app, invitation_id: int, **days: int) -> None:
    """Move an invitation's dates into the past, as if days had gone by."""
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        for field, value in days.items():
            if field == "status_changed_on":
                invitation.status_changed_on = utcnow().date() - timedelta(days=value)
            else:
                setattr(invitation, field, utcnow() - timedelta(days=value))
        db.session.commit()


def _get(app, invitation_id: int) -> Invitation:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        db.session.expunge(invitation)
        return invitation


def _remind(runner) -> str:
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    return result.output


def _sms_invitation(app, staff_as, sms_gateway) -> tuple[int, str]:
    invite(staff_as(), "sms", phone=PHONE)
    with app.app_context():
        invitation_id = db.session.execute(db.select(db.func.max(Invitation.id))).scalar()
    return invitation_id, token_in(sms_gateway.requests[-1]["json"]["message"])


def test_reminders_are_spaced_capped_and_safe_to_rerun(app, runner, staff_as, sms_gateway):
    app.config.update(REMINDER_MAX=2, REMINDER_INTERVAL_DAYS=7)
    invitation_id, first_token = _sms_invitation(app, staff_as, sms_gateway)

    assert "Reminders sent: 0" in _remind(runner)  # not due yet
    _age(app, invitation_id, last_sent_at=6)
    assert "Reminders sent: 0" in _remind(runner)  # still not
    _age(app, invitation_id, last_sent_at=8)
    assert "Reminders sent: 1" in _remind(runner)
    assert "Reminders sent: 0" in _remind(runner)  # the same day again: nothing
    assert len(sms_gateway.requests) == 2

    reminder = sms_gateway.requests[1]["json"]["message"]
    assert reminder.startswith(
        "Påmindelse fra sundhedsplejen i Egedal Kommune: Hvordan var besøget?"
    )
    second_token = token_in(reminder)
    # The reminder carries a link of its own, and the first SMS's link keeps working: families
    # tap the first message as often as the newest.
    assert second_token != first_token
    assert Parent(app.test_client()).open(first_token).status_code == 200
    assert Parent(app.test_client()).open(second_token).status_code == 200
    assert _get(app, invitation_id).reminders_sent == 1

    _age(app, invitation_id, last_sent_at=8)
    assert "Reminders sent: 1" in _remind(runner)
    _age(app, invitation_id, last_sent_at=30)
    assert "Reminders sent: 0" in _remind(runner)  # at most two
    assert _get(app, invitation_id).reminders_sent == 2


def test_consented_families_get_a_reminder_without_a_new_link(app, runner, staff_as,
                                                              sms_gateway):
    invitation_id, token = _sms_invitation(app, staff_as, sms_gateway)
    parent = Parent(app.test_client())
    parent.start(token)
    parent.answer(1, {"visit_useful": "4", "listened": "5", "respected": "5"})
    _age(app, invitation_id, last_sent_at=8)
    assert "Reminders sent: 1" in _remind(runner)
    reminder = sms_gateway.requests[-1]["json"]["message"]
    assert "/s/" not in reminder
    assert "fortsætte med linket i vores første besked" in reminder
    # The original link still finds the draft (on the phone that saved it: parent/drafts.py).
    returning = Parent(parent.client)
    returning.open(token)
    returning.choose_language("da")
    assert returning.client.get("/s/").headers["Location"].endswith("/s/page/2")


@pytest.mark.parametrize("ending", ["completed", "declined", "revoked", "expired",
                                    "delivery_failed"])
def test_no_reminders_after_the_end(app, runner, staff_as, sms_gateway, ending):
    invitation_id, token = _sms_invitation(app, staff_as, sms_gateway)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        if ending == "expired":
            invitation.expires_at = utcnow() - timedelta(days=1)
        else:
            invitation.status = ending
        db.session.commit()
    _age(app, invitation_id, last_sent_at=30)
    assert "Reminders sent: 0" in _remind(runner)
    assert len(sms_gateway.requests) == 1


def test_qr_invitations_get_no_reminders(app, runner, staff_as):
    invite(staff_as(), "qr")
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        invitation.last_sent_at = utcnow() - timedelta(days=30)
        db.session.commit()
    assert "Reminders sent: 0" in _remind(runner)


def test_a_failed_reminder_keeps_the_old_link(app, runner, staff_as, sms_gateway):
    invitation_id, token = _sms_invitation(app, staff_as, sms_gateway)
    sms_gateway.status = 503
    _age(app, invitation_id, last_sent_at=8)
    assert "failed: 1" in _remind(runner)
    assert Parent(app.test_client()).start(token).status_code == 200
    assert _get(app, invitation_id).status == "consented"


def test_email_reminder(app, runner, staff_as, smtp_server):
    invite(staff_as(), "email", email=FAMILY_EMAIL)
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation.id)).scalar_one()
    _age(app, invitation_id, last_sent_at=8)
    assert "Reminders sent: 1" in _remind(runner)
    assert len(smtp_server.messages) == 2
    assert b"P=C3=A5mindelse" in smtp_server.messages[1].content or "Påmindelse".encode() in \
        smtp_server.messages[1].content


def test_purge_deletes_contact_details_after_the_retention_period(app, runner, staff_as,
                                                                  sms_gateway):
    app.config["RETENTION_DAYS"] = 30
    ids = {}
    for name in ("old_completed", "new_completed", "old_expired", "open", "old_revoked"):
        ids[name], _ = _sms_invitation(app, staff_as, sms_gateway)
    with app.app_context():
        for name, status in (("old_completed", "completed"), ("new_completed", "completed"),
                             ("old_revoked", "revoked")):
            db.session.get(Invitation, ids[name]).status = status
        db.session.commit()
    _age(app, ids["old_completed"], status_changed_on=31)
    _age(app, ids["old_revoked"], status_changed_on=45)
    _age(app, ids["new_completed"], status_changed_on=29)
    _age(app, ids["old_expired"], expires_at=31)

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "3 invitations" in result.output
    for name in ("old_completed", "old_revoked", "old_expired"):
        purged = _get(app, ids[name])
        assert purged.phone is None and purged.email is None
        assert purged.status and purged.created_at  # response rates still add up
    for name in ("new_completed", "open"):
        assert _get(app, ids[name]).phone == E164

    again = runner.invoke(args=["purge"])
    assert "0 invitations" in again.output
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent).filter_by(action="invitations.purged")
        ).scalars().all()
        assert [e.details["count"] for e in events] == [3, 0]


def test_purged_invitations_cannot_be_resent(app, runner, staff_as, sms_gateway):
    staff = staff_as()
    invite(staff, "sms", phone=PHONE)
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        invitation.status = "revoked"
        invitation.status_changed_on = utcnow().date() - timedelta(days=90)
        db.session.commit()
        invitation_id = invitation.id
    runner.invoke(args=["purge"])
    staff.get(f"/staff/invitations/{invitation_id}")
    assert "+45" not in staff.page_html
    assert "Tilbagekaldt" in staff.page_html
