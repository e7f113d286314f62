"""In Chromium: a coordinator signs in through a SAML identity provider on another site.

The provider (pysaml2, tests/saml_idp.py) is served at ``localhost`` while the portal is at
``127.0.0.1``: two sites, so the assertion arrives as a real cross-site POST without the
portal's SameSite=Lax session cookie, as it does from KOMBIT, and the portal must still bind
it to the browser that started the sign-in.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .. import saml_idp
from ..saml_idp import CVR, ROLE_COORDINATOR

pytestmark = pytest.mark.browser


@pytest.fixture
def idp_site(app: Flask, live_server: str, tmp_path: Path) -> Iterator[str]:
    saml_idp.skip_without_xmlsec()
    from portal.extensions import db
    from portal.models.personal import Municipality
    from portal.staff.sso import saml
    from portal.staff.sso.cli import configure

    key, cert = saml_idp.sp_files(tmp_path)
    app.config.update(SAML_SP_KEY_FILE=key, SAML_SP_CERT_FILE=cert)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    site = f"http://localhost:{server.server_address[1]}"
    with app.test_request_context():
        sp_metadata = saml.metadata_xml()
    idp = saml_idp.IdentityProvider(tmp_path, sp_metadata, sso_url=f"{site}/sso")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            request = idp.read_request(site + self.path)
            answer = idp.respond(request, subject="CN=Karen", email="karen@egedal.dk",
                                 roles={CVR: [ROLE_COORDINATOR]})
            acs = html.escape(request.assertion_consumer_service_url)
            page = (
                '<!doctype html><html lang="en"><title>KOMBIT</title>'
                f'<form method="post" action="{acs}">'
                f'<input type="hidden" name="SAMLResponse" value="{answer}">'
                '<button type="submit">Continue</button></form></html>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format, *args) -> None:  # noqa: A002, ANN001
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code="0240")
        ).scalar_one()
        configure(
            municipality, "saml", saml_idp.IDP_ENTITY_ID, tenant=CVR,
            roles_claim=saml.PRIVILEGES_ATTRIBUTE, email_claim=saml.EMAIL_ATTRIBUTE,
            role_map={ROLE_COORDINATOR: "coordinator"}, metadata_xml=idp.metadata(),
            display_name="Egedal Kommune (KOMBIT)",
        )
    yield site
    server.shutdown()
    server.server_close()


def test_a_coordinator_signs_in_through_kombit_across_sites(
    browser: Any, live_server: str, idp_site: str
) -> None:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server}/staff/login")
        page.get_by_role("link", name="Egedal Kommune (KOMBIT)").click()
        page.wait_for_url(f"{idp_site}/**")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{live_server}/staff/invitations")
        page.get_by_role("link", name="Brugere").click()
        page.wait_for_url(f"{live_server}/staff/users")
        assert "karen@egedal.dk" in page.content()
    finally:
        context.close()
