"""The command line: creating and revoking links."""

from __future__ import annotations

from portal.extensions import db
from portal.models.personal import AuditEvent, Invitation


def test_create_prints_the_link_as_its_last_line(app, runner, client):
    result = runner.invoke(
        args=["invitations", "create", "--questionnaire", "18-months", "--language", "da"]
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://localhost/s/")
    assert len(link.removeprefix("http://localhost")) <= 60
    response = client.get(link.removeprefix("http://localhost"))
    assert response.status_code == 303
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert invitation.questionnaire_key == "18-months"
        assert invitation.language == "da"
        event = db.session.execute(db.select(AuditEvent)).scalar_one()
        assert event.action == "invitation.created"
        assert link.rsplit("/", 1)[1] not in str(event.details) + (event.subject or "")


def test_create_with_bad_input_explains_and_creates_nothing(app, runner):
    for args, message in (
        (["--questionnaire", "2-years"], "unknown questionnaire '2-years'"),
        (["--questionnaire", "cos-p", "--language", "xx"], "language 'xx' is not enabled"),
        (["--questionnaire", "cos-p", "--municipality", "0000"], "no municipality '0000'"),
        (["--questionnaire", "cos-p", "--days", "0"], "--days"),
    ):
        result = runner.invoke(args=["invitations", "create", *args])
        assert result.exit_code != 0
        assert message in result.output
    with app.app_context():
        assert db.session.execute(db.select(Invitation)).first() is None


def test_revoke_by_number_or_by_link(app, runner, client):
    links = []
    for _ in range(2):
        result = runner.invoke(args=["invitations", "create", "--questionnaire", "cos-p"])
        links.append(result.output.strip().splitlines()[-1])
    assert runner.invoke(args=["invitations", "revoke", "1"]).exit_code == 0
    assert runner.invoke(args=["invitations", "revoke", links[1]]).exit_code == 0
    for link in links:
        assert client.get(link.removeprefix("http://localhost")).status_code == 410
    again = runner.invoke(args=["invitations", "revoke", "1"])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert "no such invitation" in runner.invoke(args=["invitations", "revoke", "99"]).output


def test_demo_is_loaded_once(runner):
    assert "already present" in runner.invoke(args=["demo"]).output
