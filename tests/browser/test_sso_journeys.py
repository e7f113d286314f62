"""In Chromium: a health visitor and a coordinator sign in through their municipality's
OpenID provider (npm's certified oidc-provider on loopback, tests/oidc_provider.py), and
logging out ends the provider's session too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .. import oidc_provider
from ..oidc_provider import GROUPS, PASSWORD, OpenIDProvider
from .axe import Scan
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(app: Flask, live_server: str, tmp_path: Path) -> Iterator[OpenIDProvider]:
    for running in oidc_provider.start(tmp_path, live_server):
        oidc_provider.configure_portal(app, running)
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp: axe-core is added to the page as a script for the accessibility scan.
    context = browser.new_context(locale="da-DK", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def sign_in_at_provider(page: Any, login: str) -> None:
    page.get_by_label("User name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_health_visitor_picks_her_municipality_and_signs_in_there(
    page: Any, live_server: str, provider: OpenIDProvider
) -> None:
    provider.add("hanne-hansen", [GROUPS["health_visitor"], GROUPS["team_nord"]])
    page.goto(f"{live_server}/staff/login")
    screenshot(page, "sso/login-choice")
    scan = Scan()
    scan.check(page, "login with a municipality's sign-in")
    scan.assert_clean()
    page.get_by_role("link", name="Egedal Kommune (Entra ID)").click()
    page.wait_for_url(f"{provider.issuer}/**")
    sign_in_at_provider(page, "hanne-hansen")
    page.wait_for_url(f"{live_server}/staff/invitations")
    assert page.get_by_role("link", name="Brugere").count() == 0
    # Logging out ends the provider's session too (its own confirmation page), then back.
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{provider.issuer}/**")
    page.locator("button[autofocus], button[type=submit]").first.click()
    page.wait_for_url(f"{live_server}/staff/login")
    # The provider's session is gone: signing in asks for the password again.
    page.goto(f"{live_server}/staff/login/0240")
    page.wait_for_url(f"{provider.issuer}/**")
    assert page.get_by_label("User name").count() == 1


def test_a_coordinator_goes_straight_to_the_provider_by_the_municipality_address(
    page: Any, live_server: str, provider: OpenIDProvider
) -> None:
    provider.add("karen-koordinator", [GROUPS["coordinator"]])
    page.goto(f"{live_server}/staff/login/0240")
    page.wait_for_url(f"{provider.issuer}/**")
    sign_in_at_provider(page, "karen-koordinator")
    page.wait_for_url(f"{live_server}/staff/invitations")
    page.get_by_role("link", name="Brugere").click()
    page.wait_for_url(f"{live_server}/staff/users")
    assert "karen-koordinator@egedal.dk" in page.content()
