"""``flask purge``: every table that holds something about a family is emptied on schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models.personal import ConsentRecord, DeliveryAttempt, Invitation
from portal.models.responses import Draft
from portal.timeutil import month_of, utcnow

from .conftest import EIGHTEEN_MONTHS, POSTGRES_URL, Parent, create_link


def consented_with_draft(app) -> tuple[int, Parent]:
    invitation_id, token = create_link(app)
    parent = Parent(app.test_client())
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    return invitation_id, parent


def age(app, invitation_id: int, **days_ago: int) -> None:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        for field, days in days_ago.items():
            moment = utcnow() - timedelta(days=days)
            setattr(invitation, field, moment.date() if field.endswith("_on") else moment)
        db.session.commit()


def test_abandoned_drafts_go_some_days_after_their_link_expired(app, runner):
    app.config["DRAFT_GRACE_DAYS"] = 14
    consented_with_draft(app)
    consented_with_draft(app)
    with app.app_context():
        old, new = db.session.execute(db.select(Draft)).scalars().all()
        old.expires = month_of(utcnow() - timedelta(days=14 + 31 + 1))  # a month past grace
        db.session.commit()
        keep = new.id
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Drafts deleted (their link expired): 1." in result.output
    with app.app_context():
        assert [d.id for d in db.session.execute(db.select(Draft)).scalars()] == [keep]


def test_consent_records_and_invitations_go_on_their_schedules(app, runner):
    app.config.update(CONSENT_RETENTION_DAYS=90, INVITATION_RETENTION_DAYS=180)
    ended_long_ago, _ = consented_with_draft(app)
    ended_a_while_ago, _ = consented_with_draft(app)
    still_open, _ = consented_with_draft(app)
    with app.app_context():
        for invitation_id in (ended_long_ago, ended_a_while_ago):
            db.session.get(Invitation, invitation_id).status = "completed"
        db.session.add(DeliveryAttempt(invitation_id=ended_long_ago, channel="sms", ok=True))
        db.session.commit()
    age(app, ended_long_ago, status_changed_on=181)
    age(app, ended_a_while_ago, status_changed_on=91)
    age(app, still_open, created_at=200)  # old, but its link is still valid
    result = runner.invoke(args=["purge"])
    assert "Consent records deleted: 2." in result.output, result.output
    assert "Invitations deleted: 1." in result.output
    with app.app_context():
        remaining = set(db.session.execute(db.select(Invitation.id)).scalars())
        assert remaining == {ended_a_while_ago, still_open}
        consents = set(db.session.execute(db.select(ConsentRecord.invitation_id)).scalars())
        assert consents == {still_open}
        assert db.session.execute(db.select(DeliveryAttempt)).first() is None
    again = runner.invoke(args=["purge"])
    assert "Consent records deleted: 0." in again.output
    assert "Invitations deleted: 0." in again.output


def test_response_rates_count_the_same_after_the_invitations_are_purged(app, runner):
    """The purge folds each invitation into the tallies before deleting it: the rates count
    the same outcomes before and after (without the fold, the completed one would vanish)."""
    from portal.evaluation.tallies import outcome_counts

    app.config.update(INVITATION_RETENTION_DAYS=180)
    done, _ = consented_with_draft(app)
    create_link(app)  # sent, never opened: stays live
    with app.app_context():
        db.session.get(Invitation, done).status = "completed"
        db.session.commit()
    age(app, done, status_changed_on=181)

    def counts():
        with app.app_context():
            version = app.extensions["questionnaires"].current("18-months").version
            return outcome_counts("18-months", version, "2000-01", "2999-12")

    before = counts()
    assert sum(n for (_, result), n in before.items() if result == "completed") == 1
    assert "Invitations deleted: 1." in runner.invoke(args=["purge"]).output
    assert counts() == before
    with app.app_context():
        assert db.session.get(Invitation, done) is None


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite files")
def test_what_purge_deleted_is_not_left_in_the_files(app, runner):
    """A file copy after the purge holds no deleted consent record or invitation: the rows
    were zeroed (secure_delete) and the WAL truncated. The same search before the purge finds
    them, so the test can fail."""
    invitation_id, _ = consented_with_draft(app)
    marker = "ab" * 32
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        invitation.secret_hash = marker
        invitation.status = "revoked"
        db.session.commit()
    age(app, invitation_id, status_changed_on=400)

    def in_files() -> bool:
        instance = Path(app.instance_path)
        return any(marker.encode() in path.read_bytes()
                   for path in instance.glob("personal.sqlite3*"))

    assert in_files()
    result = runner.invoke(args=["purge"])
    assert "Invitations deleted: 1." in result.output
    assert not in_files()
