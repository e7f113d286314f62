"""Accounts from a provider's claims: created or updated at sign-in (just-in-time).

One rule for OIDC and SAML alike: the provider says who (a stable subject), the address and
the role/group values; the provider's configuration maps values to a portal role and a team.
Without a mapped role the provider no longer lets the person in, and the account is
deactivated. A local deactivation by an admin is never undone by a sign-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ... import audit
from ...extensions import db
from ...models.personal import Role, StaffUser, Team
from ...timeutil import utcnow
from .. import accounts, auth
from .models import ExternalIdentity, IdentityProvider

#: When several values map to roles, the most privileged one counts (a coordinator is usually
#: also in the health visitors' group).
ROLE_PRECEDENCE = (Role.ADMIN, Role.COORDINATOR, Role.EVALUATOR, Role.HEALTH_VISITOR)


class SignInRefused(Exception):  # noqa: N818  (a refusal, not a programming error)
    """The provider's answer does not let this person in; ``code`` says why (never shown
    verbatim: the view words it, and the audit trail keeps the code)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ProviderClaims:
    subject: str
    email: str | None
    name: str = ""
    values: tuple[str, ...] = field(default_factory=tuple)


def as_values(raw: object) -> tuple[str, ...]:
    """A claim's values as strings: a list, a single string or nothing."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, Iterable):
        return tuple(str(item) for item in raw if isinstance(item, str | int))
    return ()


def provider_for_code(code: str) -> IdentityProvider | None:
    """The enabled identity provider of the municipality with this code, if any."""
    from ...models.personal import Municipality

    return db.session.execute(
        db.select(IdentityProvider)
        .join(Municipality, IdentityProvider.municipality_id == Municipality.id)
        .where(Municipality.code == code, IdentityProvider.enabled.is_(True))
    ).scalar_one_or_none()


def uses_identity_provider(municipality_id: int) -> bool:
    """True when the municipality's staff sign in through its provider, not with passwords."""
    return db.session.execute(
        db.select(IdentityProvider.id).where(
            IdentityProvider.municipality_id == municipality_id,
            IdentityProvider.enabled.is_(True),
        )
    ).first() is not None


def enabled_providers() -> list[IdentityProvider]:
    from ...models.personal import Municipality

    return list(
        db.session.execute(
            db.select(IdentityProvider)
            .join(Municipality, IdentityProvider.municipality_id == Municipality.id)
            .where(IdentityProvider.enabled.is_(True))
            .order_by(Municipality.name)
        ).scalars()
    )


def mapped_role(provider: IdentityProvider, values: Iterable[str]) -> str | None:
    mapping = provider.role_map or {}
    roles = {mapping[value] for value in values if value in mapping}
    for role in ROLE_PRECEDENCE:
        if role.value in roles:
            return role.value
    return None


def mapped_team(provider: IdentityProvider, values: Iterable[str]) -> Team | None:
    mapping = provider.team_map or {}
    teams = {team.name: team for team in provider.municipality.teams}
    for value in values:
        name = mapping.get(value)
        if name in teams:
            return teams[name]
    return None


def _actor(provider: IdentityProvider) -> str:
    return f"idp:{provider.id}"


def refuse(provider: IdentityProvider, code: str, subject: str | None = None) -> SignInRefused:
    """Audit a refused sign-in (and commit); returns the exception to raise."""
    db.session.rollback()
    audit.record("anonymous", "login.refused", subject, reason=code,
                 municipality=provider.municipality.code, kind=provider.protocol)
    db.session.commit()
    return SignInRefused(code)


def sign_in(provider: IdentityProvider, claims: ProviderClaims) -> StaffUser:
    """The account this sign-in is for, created or brought up to date from the claims.
    Raises SignInRefused. Audits and commits."""
    identity = db.session.execute(
        db.select(ExternalIdentity).filter_by(provider_id=provider.id, subject=claims.subject)
    ).scalar_one_or_none()
    user = identity.user if identity else None
    subject = f"staff:{user.id}" if user else None
    role = mapped_role(provider, claims.values)
    if role is None:
        if user is not None and identity is not None and user.active:
            # The provider stopped giving this person a role here: the account goes too.
            user.active = False
            auth.end_all_sessions(user)
            identity.deactivated_token = user.session_token
            audit.record(_actor(provider), "user.updated", subject, changed=["active"],
                         active=False, reason="no_role")
            db.session.commit()
        raise refuse(provider, "no_role", subject)
    team = mapped_team(provider, claims.values)
    if user is None:
        user = _link_or_create(provider, claims, role, team)
        identity = ExternalIdentity(provider_id=provider.id, subject=claims.subject, user=user)
        db.session.add(identity)
    elif not user.active:
        if identity.deactivated_token != user.session_token:
            raise refuse(provider, "deactivated", subject)
        user.active = True
        identity.deactivated_token = None
        audit.record(_actor(provider), "user.updated", f"staff:{user.id}", changed=["active"],
                     active=True)
    _update(provider, user, claims, role, team)
    identity.last_sign_in_at = utcnow()
    audit.record(audit.staff_actor(user.id), "login.succeeded", f"staff:{user.id}",
                 kind=provider.protocol)
    db.session.commit()
    return user


def _link_or_create(
    provider: IdentityProvider, claims: ProviderClaims, role: str, team: Team | None
) -> StaffUser:
    if not claims.email:
        raise refuse(provider, "no_email")
    try:
        email = accounts.normalise_email(claims.email)
    except accounts.AccountError:
        raise refuse(provider, "no_email") from None
    existing = accounts.find_by_email(email)
    if existing is not None:
        linked = db.session.execute(
            db.select(ExternalIdentity.id).filter_by(user_id=existing.id)
        ).first()
        # Only an account of the provider's own municipality, not yet linked, is taken
        # over (a municipality moving from passwords): another municipality's provider
        # must never be able to sign in as someone else's account.
        if existing.municipality_id != provider.municipality_id or linked:
            raise refuse(provider, "email_taken", f"staff:{existing.id}")
        if not existing.active:
            raise refuse(provider, "deactivated", f"staff:{existing.id}")
        return existing
    return accounts.create_user(
        _actor(provider), email, role, provider.municipality, team, claims.name[:100]
    )


def _update(
    provider: IdentityProvider, user: StaffUser, claims: ProviderClaims, role: str,
    team: Team | None,
) -> None:
    changed = []
    wanted = {"role": role, "team_id": team.id if team else None}
    if claims.name:
        wanted["name"] = claims.name.strip()[:100]
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if "role" in changed:
        auth.end_all_sessions(user)
    if changed:
        audit.record(_actor(provider), "user.updated", f"staff:{user.id}", changed=changed,
                     role=user.role)
