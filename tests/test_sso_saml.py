"""Staff sign in through KOMBIT's Context Handler (SAML 2.0, OIOSAML) (issue 15).

A pysaml2 identity provider runs in the test process (tests/saml_idp.py); the portal is the
Flask test client. Each refusal was also run against a weakened build, see the docstrings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import db
from portal.models.personal import AuditEvent, StaffUser

from . import saml_idp
from .saml_idp import CVR, ROLE_COORDINATOR, ROLE_HEALTH_VISITOR


@pytest.fixture
def idp(app: Flask, tmp_path: Path) -> saml_idp.IdentityProvider:
    saml_idp.skip_without_xmlsec()
    from portal.models.personal import Municipality
    from portal.staff.sso import saml
    from portal.staff.sso.cli import configure

    key, cert = saml_idp.sp_files(tmp_path)
    app.config.update(SAML_SP_KEY_FILE=key, SAML_SP_CERT_FILE=cert)
    with app.test_request_context():
        sp_metadata = saml.metadata_xml()
    provider = saml_idp.IdentityProvider(tmp_path, sp_metadata)
    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code="0240")
        ).scalar_one()
        configure(
            municipality, "saml", saml_idp.IDP_ENTITY_ID, tenant=CVR,
            roles_claim=saml.PRIVILEGES_ATTRIBUTE, email_claim=saml.EMAIL_ATTRIBUTE,
            role_map={ROLE_HEALTH_VISITOR: "health_visitor", ROLE_COORDINATOR: "coordinator"},
            team_map={ROLE_HEALTH_VISITOR: "Sundhedsplejen Syd"},
            metadata_xml=provider.metadata(), display_name="Egedal Kommune (KOMBIT)",
        )
    return provider


def begin(client) -> str:
    response = client.get("/staff/login/0240")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(saml_idp.IDP_SSO_URL)
    return response.headers["Location"]


def post(client, saml_response: str):
    """The browser posts the response (without following: the finish step is looked at)."""
    return client.post("/staff/saml/acs", data={"SAMLResponse": saml_response})


def sign_in(client, idp: saml_idp.IdentityProvider, **respond) -> object:
    request = idp.read_request(begin(client))
    response = post(client, idp.respond(request, **respond))
    if response.status_code != 303:
        return response
    return client.get(response.headers["Location"])


def user(app: Flask, email: str) -> StaffUser | None:
    with app.app_context():
        found = db.session.execute(db.select(StaffUser).filter_by(email=email)).scalar_one_or_none()
        if found is not None:
            found.team_name = found.team.name if found.team else None
            found.municipality_code = found.municipality.code
            db.session.expunge(found)
        return found


def refusals(app: Flask) -> list[str]:
    with app.app_context():
        return [e.details.get("reason") for e in db.session.execute(
            db.select(AuditEvent).filter_by(action="login.refused")).scalars()]


def test_a_signed_assertion_signs_in_with_role_team_and_municipality(
    app: Flask, client, idp
) -> None:
    response = sign_in(client, idp)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert client.get("/staff/invitations").status_code == 200
    found = user(app, "hanne@egedal.dk")
    assert found.role == "health_visitor" and found.municipality_code == "0240"
    assert found.team_name == "Sundhedsplejen Syd"


def test_the_request_is_signed_and_names_the_portal(app: Flask, client, idp) -> None:
    location = begin(client)
    assert "Signature=" in location and "SigAlg=" in location
    request = idp.read_request(location)
    assert request.assertion_consumer_service_url == "http://localhost/staff/saml/acs"
    assert request.issuer.text == "http://localhost/staff/saml/metadata"


def test_job_function_roles_of_another_organisation_do_not_count(
    app: Flask, client, idp
) -> None:
    """Weakened by hand (the Scope comparison in saml.privileges removed): this failed."""
    response = sign_in(client, idp, roles={"12345678": [ROLE_COORDINATOR]})
    assert response.status_code == 403
    assert user(app, "hanne@egedal.dk") is None
    assert refusals(app) == ["no_role"]
    # The coordinator role in the municipality's own scope counts, and wins over the other.
    other = app.test_client()
    response = sign_in(other, idp, subject="CN=Karen", email="karen@egedal.dk",
                       roles={CVR: [ROLE_HEALTH_VISITOR, ROLE_COORDINATOR],
                              "12345678": [ROLE_HEALTH_VISITOR]})
    assert response.status_code == 303
    assert user(app, "karen@egedal.dk").role == "coordinator"
    assert other.get("/staff/users").status_code == 200


@pytest.mark.parametrize("weakened", [False, True], ids=["as-built", "weakened"])
def test_an_unsigned_assertion_is_refused(
    app: Flask, client, idp, weakened: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weakened build (assertions need no signature) lets the unsigned one in."""
    if weakened:
        from portal.staff.sso import saml

        real = saml.sp_config

        def unsigned_ok(provider):  # noqa: ANN001, ANN202
            config = real(provider)
            config.setattr("sp", "want_assertions_signed", False)
            config.setattr("sp", "want_assertions_or_response_signed", False)
            return config

        monkeypatch.setattr(saml, "sp_config", unsigned_ok)
    response = sign_in(client, idp, sign=False)
    if weakened:
        assert response.status_code == 303 and user(app, "hanne@egedal.dk") is not None
        return
    assert response.status_code == 403
    assert user(app, "hanne@egedal.dk") is None
    assert refusals(app) == ["saml_signature"]


@pytest.mark.parametrize("weakened", [False, True], ids=["as-built", "weakened"])
def test_an_assertion_for_another_audience_is_refused(
    app: Flask, client, idp, weakened: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weakened build (pysaml2's audience check made to say yes) lets it in."""
    if weakened:
        import saml2.response

        monkeypatch.setattr(saml2.response, "for_me", lambda conditions, myself: True)
    response = sign_in(client, idp, audience="https://another-service.example/saml")
    if weakened:
        assert response.status_code == 303
        return
    assert response.status_code == 403
    assert user(app, "hanne@egedal.dk") is None
    assert refusals(app) == ["saml_audience"]


def test_an_assertion_for_another_recipient_is_refused(app: Flask, client, idp) -> None:
    """Weakened by hand (pysaml2 given the other address as ours too): this failed."""
    response = sign_in(client, idp, destination="https://another-service.example/acs")
    assert response.status_code == 403
    assert user(app, "hanne@egedal.dk") is None
    assert refusals(app) == ["saml_refused"]


def test_a_replayed_assertion_is_refused(app: Flask, client, idp) -> None:
    """Weakened by hand (saml._record_once neither looking for the id nor refusing a second
    row with it): the second post got a finish link, and this failed."""
    request = idp.read_request(begin(client))
    saml_response = idp.respond(request)
    first = post(client, saml_response)
    assert first.status_code == 303
    assert client.get(first.headers["Location"]).status_code == 303
    # The same response again, from another browser that started its own sign-in.
    attacker = app.test_client()
    begin(attacker)
    replay = post(attacker, saml_response)
    assert replay.status_code == 403
    assert attacker.get("/staff/invitations").status_code == 302
    assert refusals(app) == ["saml_replay"]


def test_an_assertion_answering_another_browsers_request_is_refused(
    app: Flask, client, idp
) -> None:
    """A response for one browser's request, finished in another (login CSRF): refused by
    InResponseTo. Weakened by hand (take_pending not comparing it): this failed."""
    victim, attacker = app.test_client(), app.test_client()
    request = idp.read_request(begin(victim))
    begin(attacker)
    first = post(attacker, idp.respond(request))
    assert first.status_code == 303
    assert attacker.get(first.headers["Location"]).status_code == 400
    assert attacker.get("/staff/invitations").status_code == 302
    assert refusals(app) == ["saml_in_response_to"]


def test_garbage_posted_to_the_assertion_consumer_gets_a_clear_page(client, idp) -> None:
    for body in ({}, {"SAMLResponse": "not base64!"}, {"SAMLResponse": "PGE+PC9hPg=="},
                 {"SAMLResponse": "A" * 600_000}):
        response = client.post("/staff/saml/acs", data=body)
        assert response.status_code in (400, 403, 413), response.status_code
        if response.status_code == 413:
            continue  # the portal's own request size limit answered first
        assert "Log-in kunne ikke gennemføres" in response.get_data(as_text=True)


def test_the_portal_publishes_its_service_provider_metadata(client, idp) -> None:
    response = client.get("/staff/saml/metadata")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'entityID="http://localhost/staff/saml/metadata"' in text
    assert "http://localhost/staff/saml/acs" in text and "X509Certificate" in text
