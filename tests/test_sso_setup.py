"""Setting up a municipality's identity provider with ``flask sso`` (issue 15), and the client
secret: never on the command line, never printed, never logged, never stored in the clear."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import db
from portal.staff.sso.models import IdentityProvider

from . import oidc_provider
from .oidc_provider import CLIENT_SECRET, GROUPS, ProviderBrowser
from .test_no_secrets_in_logs import Everything

SECRET = "entra-client-secret-Q7~x9"


def test_set_oidc_show_and_disable(app: Flask, runner) -> None:
    result = runner.invoke(args=[
        "sso", "set-oidc", "--municipality", "0240",
        "--issuer", "https://login.microsoftonline.com/tenant-id/v2.0",
        "--client-id", "app-id", "--tenant", "tenant-id", "--roles-claim", "groups",
        "--role", "g1=health_visitor", "--role", "g2=coordinator",
        "--team", "g3=Sundhedsplejen Nord",
    ], env={"PORTAL_SSO_CLIENT_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output and "client secret: set" in result.output
    shown = runner.invoke(args=["sso", "show"])
    assert "0240 Egedal Kommune: oidc (on)" in shown.output and SECRET not in shown.output
    with app.app_context():
        provider = db.session.execute(db.select(IdentityProvider)).scalar_one()
        assert provider.role_map == {"g1": "health_visitor", "g2": "coordinator"}
        # Stored sealed: a copy of the personal store does not hold the secret.
        assert SECRET not in provider.client_secret and SECRET not in repr(provider)
    assert runner.invoke(args=["sso", "disable", "--municipality", "0240"]).exit_code == 0
    with app.app_context():
        assert db.session.execute(db.select(IdentityProvider)).scalar_one().enabled is False


def test_the_secret_is_asked_for_without_echo(runner) -> None:
    result = runner.invoke(args=[
        "sso", "set-oidc", "--municipality", "0240", "--issuer", "https://idp.example",
        "--client-id", "app",
    ], input=f"{SECRET}\n", env={"PORTAL_SSO_CLIENT_SECRET": ""})
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output


@pytest.mark.parametrize("args, message", [
    (["--role", "g1=superuser"], "superuser"),
    (["--role", "nothing"], "VALUE=TARGET"),
    (["--team", "g1=No Such Team"], "No Such Team"),
    (["--municipality", "9999"], "9999"),
])
def test_bad_settings_are_named(runner, args: list[str], message: str) -> None:
    base = ["sso", "set-oidc", "--issuer", "https://idp.example", "--client-id", "app"]
    if "--municipality" not in args:
        base += ["--municipality", "0240"]
    result = runner.invoke(args=base + args, env={"PORTAL_SSO_CLIENT_SECRET": SECRET})
    assert result.exit_code != 0 and message in result.output


def test_a_sign_in_logs_no_client_secret(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every logger at DEBUG (ours, SQLAlchemy's with its parameters, requests', urllib3's)
    through a whole sign-in, the token request's Basic authentication included. Weakened by
    hand (oidc._session logging the secret at DEBUG): this failed."""
    import base64

    handler = Everything()
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        if isinstance(logging.root.manager.loggerDict[name], logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    logging.getLogger().addHandler(handler)
    try:
        for provider in oidc_provider.start(tmp_path, app.config["BASE_URL"]):
            oidc_provider.configure_portal(app, provider)
            provider.add("hanne", [GROUPS["health_visitor"]])
            client = app.test_client()
            start = client.get("/staff/login/0240").headers["Location"]
            callback = ProviderBrowser().sign_in(start, "hanne")
            path = callback.split("localhost", 1)[1]
            assert client.get(path).status_code == 303
    finally:
        logging.getLogger().removeHandler(handler)
    basic = base64.b64encode(f"{oidc_provider.CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    logged = "\n".join(handler.lines)
    assert logged, "nothing was captured"
    assert CLIENT_SECRET not in logged and basic not in logged


def test_an_unreachable_provider_gets_a_clear_page_not_an_error(app: Flask, client) -> None:
    from portal.models.personal import Municipality
    from portal.staff.sso.cli import configure

    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code="0240")
        ).scalar_one()
        configure(municipality, "oidc", "http://127.0.0.1:9", client_id="app",
                  client_secret=SECRET, role_map={"g": "health_visitor"})
    response = client.get("/staff/login/0240")
    assert response.status_code == 502
    assert "kan ikke nås lige nu" in response.get_data(as_text=True)
    # The password form is still on the page for the municipalities that use it.
    assert 'name="password"' in response.get_data(as_text=True)


def test_saml_without_the_portals_key_is_refused_clearly(app: Flask, client) -> None:
    from portal.models.personal import Municipality
    from portal.staff.sso.cli import configure

    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code="0240")
        ).scalar_one()
        configure(municipality, "saml", "https://idp.example/metadata", tenant="29189854",
                  metadata_xml="<not-metadata/>", role_map={"r": "health_visitor"})
    response = client.get("/staff/login/0240")
    assert response.status_code == 403
    assert "Log-in kunne ikke gennemføres" in response.get_data(as_text=True)
    assert client.get("/staff/saml/metadata").status_code == 404
