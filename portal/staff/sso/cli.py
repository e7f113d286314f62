"""``flask sso``: set up, show and switch off a municipality's identity provider.

The client secret is read from ``PORTAL_SSO_CLIENT_SECRET`` or asked for without echo, never
taken as a command-line argument (shell history, ``ps``), and never printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ... import audit
from ...extensions import db
from ...models.personal import Municipality, Role
from .models import IdentityProvider
from .sealing import seal

sso_command = AppGroup("sso", help="Staff sign-in through a municipality's identity provider.")

_ROLES = [role.value for role in Role]


def _municipality(code: str) -> Municipality:
    municipality = db.session.execute(
        db.select(Municipality).filter_by(code=code)
    ).scalar_one_or_none()
    if municipality is None:
        raise click.BadParameter(f"no municipality with code {code!r}", param_hint="--municipality")
    return municipality


def _pairs(values: tuple[str, ...], option: str, allowed: list[str] | None) -> dict[str, str]:
    mapping = {}
    for value in values:
        key, sep, target = value.rpartition("=")
        if not sep or not key or not target:
            raise click.BadParameter(f"{value!r} is not VALUE=TARGET", param_hint=option)
        if allowed is not None and target not in allowed:
            raise click.BadParameter(
                f"{target!r} is not one of {', '.join(allowed)}", param_hint=option
            )
        mapping[key] = target
    return mapping


def configure(
    municipality: Municipality, protocol: str, issuer: str, *, client_id: str | None = None,
    client_secret: str | None = None, tenant: str | None = None, roles_claim: str = "roles",
    email_claim: str = "email", role_map: dict[str, str] | None = None,
    team_map: dict[str, str] | None = None, metadata_xml: str | None = None,
    display_name: str = "", actor: str = "cli",
) -> IdentityProvider:
    """Create or replace the municipality's provider and switch it on. Audits and commits."""
    teams = {team.name for team in municipality.teams}
    unknown = set((team_map or {}).values()) - teams
    if unknown:
        raise ValueError(f"no such team in {municipality.name}: {', '.join(sorted(unknown))}")
    if set((role_map or {}).values()) - set(_ROLES):
        raise ValueError("unknown role in the role mapping")
    provider = db.session.execute(
        db.select(IdentityProvider).filter_by(municipality_id=municipality.id)
    ).scalar_one_or_none()
    if provider is None:
        provider = IdentityProvider(municipality=municipality)
        db.session.add(provider)
    provider.protocol, provider.issuer, provider.enabled = protocol, issuer.strip(), True
    provider.client_id, provider.tenant = client_id, tenant
    if client_secret is not None:
        provider.client_secret = seal(client_secret)
    provider.roles_claim, provider.email_claim = roles_claim, email_claim
    provider.role_map, provider.team_map = dict(role_map or {}), dict(team_map or {})
    provider.metadata_xml, provider.display_name = metadata_xml, display_name
    db.session.flush()
    audit.record(actor, "sso.configured", f"idp:{provider.id}", kind=protocol,
                 municipality=municipality.code)
    db.session.commit()
    return provider


def describe(provider: IdentityProvider) -> list[str]:
    """What ``flask sso show`` prints: everything but the secret's value."""
    return [
        f"{provider.municipality.code} {provider.municipality.name}: {provider.protocol}"
        f" ({'on' if provider.enabled else 'off'})",
        f"  issuer: {provider.issuer}",
        f"  client id: {provider.client_id or '-'}",
        f"  client secret: {'set' if provider.client_secret else 'not set'}",
        f"  tenant/organisation: {provider.tenant or '-'}",
        f"  roles from: {provider.roles_claim}; e-mail from: {provider.email_claim}",
        f"  roles: {json.dumps(provider.role_map, ensure_ascii=False)}",
        f"  teams: {json.dumps(provider.team_map, ensure_ascii=False)}",
    ]


_common = [
    click.option("--municipality", "code", required=True, help="Municipality code, e.g. 0240."),
    click.option("--role", "roles", multiple=True, metavar="VALUE=ROLE",
                 help=f"A claim value and the portal role it gives ({', '.join(_ROLES)})."),
    click.option("--team", "teams", multiple=True, metavar="VALUE=TEAM",
                 help="A claim value and the team (by name) it puts the user in."),
    click.option("--display-name", default="", help="What the login page calls this sign-in."),
]


def _with_common(function):  # noqa: ANN001, ANN202
    for option in reversed(_common):
        function = option(function)
    return function


@sso_command.command("set-oidc")
@_with_common
@click.option("--issuer", required=True, help="Issuer URL, e.g. "
              "https://login.microsoftonline.com/<tenant id>/v2.0")
@click.option("--client-id", required=True)
@click.option("--tenant", default=None, help="The only tenant id (tid) accepted.")
@click.option("--roles-claim", default="roles", show_default=True,
              help="The ID-token claim with roles or groups.")
@click.option("--email-claim", default="email", show_default=True)
def set_oidc(code: str, roles: tuple[str, ...], teams: tuple[str, ...], display_name: str,
             issuer: str, client_id: str, tenant: str | None, roles_claim: str,
             email_claim: str) -> None:
    """Sign in a municipality's staff through an OpenID Connect provider (Entra ID)."""
    import os

    municipality = _municipality(code)
    secret = os.environ.get("PORTAL_SSO_CLIENT_SECRET") or click.prompt(
        "Client secret", hide_input=True
    )
    try:
        provider = configure(
            municipality, "oidc", issuer, client_id=client_id, client_secret=secret,
            tenant=tenant, roles_claim=roles_claim, email_claim=email_claim,
            role_map=_pairs(roles, "--role", _ROLES), team_map=_pairs(teams, "--team", None),
            display_name=display_name,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo("\n".join(describe(provider)))


@sso_command.command("set-saml")
@_with_common
@click.option("--metadata", "metadata_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The identity provider's metadata XML (KOMBIT: the Context Handler's).")
@click.option("--entity-id", required=True, help="The identity provider's entity id.")
@click.option("--cvr", required=True, help="The municipality's CVR number (privilege scope).")
@click.option("--roles-attribute", default="dk:gov:saml:attribute:Privileges_intermediate",
              show_default=True)
@click.option("--email-attribute", default="emailaddress", show_default=True)
def set_saml(code: str, roles: tuple[str, ...], teams: tuple[str, ...], display_name: str,
             metadata_file: Path, entity_id: str, cvr: str, roles_attribute: str,
             email_attribute: str) -> None:
    """Sign in a municipality's staff through a SAML 2.0 provider (KOMBIT Context Handler)."""
    municipality = _municipality(code)
    try:
        provider = configure(
            municipality, "saml", entity_id, tenant=cvr, roles_claim=roles_attribute,
            email_claim=email_attribute, role_map=_pairs(roles, "--role", _ROLES),
            team_map=_pairs(teams, "--team", None), display_name=display_name,
            metadata_xml=metadata_file.read_text(encoding="utf-8"),
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo("\n".join(describe(provider)))


@sso_command.command("show")
def show() -> None:
    """List the municipalities' identity providers (never their secrets)."""
    providers = db.session.execute(db.select(IdentityProvider)).scalars()
    for provider in providers:
        click.echo("\n".join(describe(provider)))


@sso_command.command("disable")
@click.option("--municipality", "code", required=True)
def disable(code: str) -> None:
    """Back to the portal's own password and TOTP for this municipality."""
    municipality = _municipality(code)
    provider = db.session.execute(
        db.select(IdentityProvider).filter_by(municipality_id=municipality.id)
    ).scalar_one_or_none()
    if provider is None or not provider.enabled:
        click.echo(f"{municipality.name} already signs in with password and code.")
        return
    provider.enabled = False
    audit.record("cli", "sso.disabled", f"idp:{provider.id}", municipality=municipality.code)
    db.session.commit()
    click.echo(f"{municipality.name} now signs in with password and code. Staff without a "
               "password get one through a set-password link (flask staff password-link).")
