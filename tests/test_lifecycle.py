"""The invitation's lifecycle lives on the model: the status staff see is the same rule in
Python and in SQL, and each transition moves only from the statuses it should."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.personal import Invitation, InvitationStatus
from portal.timeutil import utcnow

from .conftest import create_link

S = InvitationStatus


@pytest.mark.parametrize("status", list(InvitationStatus))
@pytest.mark.parametrize("days_left", [-1, 0, 1])
def test_effective_status_agrees_in_python_and_sql(app, status, days_left):
    """Each stored status, before, at and after its expiry: the SQL expression (the board's
    filter and counts) gives what the Python property (the board's label) shows. Fails if
    either side drops a closed status from its expiry rule (checked by hand)."""
    invitation_id, _ = create_link(app)
    now = utcnow()
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.status = status.value
        invitation.expires_at = now + timedelta(days=days_left)
        db.session.commit()
        in_python = invitation.effective_status(now)
        _, in_sql, expired = db.session.execute(
            db.select(Invitation.id, Invitation.effective_status(now), Invitation.is_expired(now))
            .where(Invitation.id == invitation_id)
        ).one()
    assert in_sql == in_python.value
    assert bool(expired) is invitation.is_expired(now) is (days_left <= 0)
    if days_left > 0 or status in (S.COMPLETED, S.DECLINED, S.REVOKED):
        assert in_python is status
    else:
        assert in_python is S.EXPIRED


@pytest.mark.parametrize(
    ("start", "ok", "end"),
    [
        (S.CREATED, True, S.SENT),
        (S.DELIVERY_FAILED, True, S.SENT),
        (S.OPENED, True, S.OPENED),
        (S.CREATED, False, S.DELIVERY_FAILED),
        (S.SENT, False, S.SENT),
        (S.CONSENTED, False, S.CONSENTED),
    ],
)
def test_delivery_moves_only_unsent_invitations(app, start, ok, end):
    invitation_id, _ = create_link(app)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.status = start.value
        invitation.record_delivery(ok)
        assert invitation.status == end
        assert (invitation.last_sent_at is not None) is ok


def test_transitions_stop_at_final_statuses(app):
    invitation_id, _ = create_link(app)
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.mark_opened()
        assert invitation.status == S.OPENED and invitation.opened_at is not None
        assert invitation.accepts_new_link()
        invitation.record_decision(True)
        assert invitation.status == S.CONSENTED and not invitation.accepts_new_link()
        assert invitation.complete() and not invitation.complete()
        invitation.record_decision(False)
        invitation.mark_opened()
        assert invitation.status == S.COMPLETED
        assert not invitation.can_revoke() and not invitation.revoke()
