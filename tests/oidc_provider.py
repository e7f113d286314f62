"""A real OpenID provider for the sign-in tests: the certified ``oidc-provider`` package from
npm (pinned in tools/package-lock.json, installed by ``make test-tools``), run by
tools/oidc-test-provider.mjs on a free loopback port. Tests that need it are skipped, with the
reason, where node or the package is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "oidc-test-provider.mjs"
PACKAGE = ROOT / "tools" / "node_modules" / "oidc-provider" / "package.json"

CLIENT_ID = "first1000-portal"
CLIENT_SECRET = "provider-test-client-secret-7f3a"
TENANT = "egedal-tenant-id"
GROUPS = {
    "health_visitor": "grp-sundhedsplejersker",
    "coordinator": "grp-koordinatorer",
    "team_nord": "grp-team-nord",
}
PASSWORD = "provider-password"


def skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (npm's oidc-provider runs the OpenID provider tests)"
    if not PACKAGE.exists():
        return "oidc-provider is not installed in tools/node_modules (make test-tools needs npm)"
    return None


class OpenIDProvider:
    """The running provider: its issuer and the people who can sign in there."""

    def __init__(self, issuer: str, accounts_path: Path):
        self.issuer = issuer
        self.accounts_path = accounts_path
        self.accounts: dict[str, dict[str, Any]] = {}

    def add(self, login: str, groups: list[str], tenant: str = TENANT,
            tamper: str | None = None, email: str | None = None) -> str:
        """A person at the provider; returns their e-mail address."""
        email = email or f"{login}@egedal.dk"
        self.accounts[login] = {
            "password": PASSWORD, "sub": f"sub-{login}", "email": email,
            "name": login.replace("-", " ").title(), "tid": tenant, "groups": groups,
            "tamper": tamper,
        }
        self._save()
        return email

    def remove(self, login: str) -> None:
        """The municipality's IT removes the person (they left)."""
        self.accounts.pop(login, None)
        self._save()

    def set_groups(self, login: str, groups: list[str]) -> None:
        self.accounts[login]["groups"] = groups
        self._save()

    def _save(self) -> None:
        self.accounts_path.write_text(json.dumps(self.accounts), encoding="utf-8")


def start(tmp_path: Path, portal_base: str) -> Iterator[OpenIDProvider]:
    """Run the provider with the portal registered as a client at ``portal_base``."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    accounts = tmp_path / "provider-accounts.json"
    accounts.write_text("{}", encoding="utf-8")
    config = tmp_path / "provider-config.json"
    base = portal_base.rstrip("/")
    config.write_text(json.dumps({
        "accounts": str(accounts),
        "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{base}/staff/sso/callback"],
            "post_logout_redirect_uris": [f"{base}/staff/login"],
        }],
    }), encoding="utf-8")
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("ISSUER "):
            process.kill()
            raise RuntimeError(f"the OpenID provider did not start: {process.stderr.read()}")
        yield OpenIDProvider(line.split()[1], accounts)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def configure_portal(app: Any, provider: OpenIDProvider, code: str = "0240") -> None:
    """Egedal signs in through the provider: groups give roles and the team."""
    from portal.extensions import db
    from portal.models.personal import Municipality
    from portal.staff.sso.cli import configure

    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code=code)
        ).scalar_one()
        configure(
            municipality, "oidc", provider.issuer, client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET, tenant=TENANT, roles_claim="groups",
            role_map={GROUPS["health_visitor"]: "health_visitor",
                      GROUPS["coordinator"]: "coordinator"},
            team_map={GROUPS["team_nord"]: "Sundhedsplejen Nord"},
            display_name="Egedal Kommune (Entra ID)",
        )


class ProviderBrowser:
    """The provider's side of a browser: follows its redirects, fills its login form, and hands
    the redirect back to the portal (which the test client plays)."""

    def __init__(self, portal_base: str = "http://localhost"):
        self.http = requests.Session()
        self.portal_base = portal_base

    def sign_in(self, authorize_url: str, login: str, password: str = PASSWORD) -> str:
        """Returns the portal URL the provider sends the browser back to (or raises)."""
        url = authorize_url
        for _ in range(10):
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and 'name="login"' in response.text:
                response = self.http.post(
                    url, data={"login": login, "password": password}, allow_redirects=False,
                    timeout=10,
                )
                if response.status_code == 401:
                    raise PermissionError("the provider refused the user name or password")
            if response.status_code not in (302, 303):
                raise AssertionError(f"provider answered {response.status_code}: {response.text}")
            url = urljoin(url, response.headers["Location"])
            if url.startswith(self.portal_base):
                return url
        raise AssertionError("too many redirects at the provider")
