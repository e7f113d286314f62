"""Response rates keep working after invitations are purged: outcomes folded into counts."""

from __future__ import annotations

from portal.evaluation import releases
from portal.evaluation.tallies import fold_into_tallies, outcome_counts
from portal.extensions import db
from portal.models.personal import Invitation
from portal.models.tallies import InvitationTally

from .evaluation_data import S, add_responses, invite


def test_folding_then_deleting_keeps_the_counts(app):
    invite(app, "0240", S.COMPLETED, 6)
    invite(app, "0240", S.DECLINED, 2)
    invite(app, "0240", S.SENT, 3)
    with app.app_context():
        before = outcome_counts("18-months", 1, "2026-01", "2026-12")
        invitations = db.session.execute(db.select(Invitation)).scalars().all()
        assert fold_into_tallies(invitations) == 11
        for invitation in invitations:
            db.session.delete(invitation)
        db.session.commit()
        after = outcome_counts("18-months", 1, "2026-01", "2026-12")
        assert after == before
        assert before[("0240", "completed")] == 6 and before[("0240", "sent")] == 3
    # Folding more adds to the same rows instead of making new ones.
    invite(app, "0240", S.COMPLETED, 1)
    with app.app_context():
        fold_into_tallies(db.session.execute(db.select(Invitation)).scalars().all())
        db.session.commit()
        rows = db.session.execute(db.select(InvitationTally)).scalars().all()
        assert {r.outcome: r.count for r in rows}["completed"] == 7


def test_a_release_built_after_the_purge_has_the_same_rates(app):
    add_responses(app, 12, period="2026-03")
    invite(app, "0240", S.COMPLETED, 6)
    invite(app, "0240", S.SENT, 6)
    with app.app_context():
        invitations = db.session.execute(db.select(Invitation)).scalars().all()
        fold_into_tallies(invitations)
        for invitation in invitations:
            db.session.delete(invitation)
        db.session.commit()
        release = releases.build_release("18-months", 1, "2026-01", "quarter", actor="cli")
        rates = releases.load_json(release, releases.RATES_FILE)
    assert rates["rows"]["0240"][:2] == [12, 12]
    assert rates["rows"]["0240"][4] == 6
