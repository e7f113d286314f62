"""Tables of staff sign-in through a municipality's identity provider (personal store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models.personal import Municipality, StaffUser
from ...timeutil import utcnow


class IdentityProvider(db.Model):
    """How one municipality's staff sign in when it does not use the portal's passwords.

    One row per municipality at most. ``enabled`` false (or no row) means password + TOTP.
    """

    __bind_key__ = "personal"
    __tablename__ = "identity_provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), unique=True)
    #: ``oidc`` or ``saml``.
    protocol: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(default=True)
    #: What the login page calls it ("Egedal Kommune (Entra ID)").
    display_name: Mapped[str] = mapped_column(String(100), default="")
    #: OIDC: the issuer URL (discovery at ``/.well-known/openid-configuration``).
    #: SAML: the identity provider's entity id.
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(255))
    #: Sealed (``sealing.seal``); never logged, printed or shown on a page.
    client_secret: Mapped[str | None] = mapped_column(Text)
    #: OIDC: the only ``tid`` accepted (Entra's directory id). SAML: the organisation's CVR
    #: number that KOMBIT's privilege scope must name.
    tenant: Mapped[str | None] = mapped_column(String(100))
    #: Claim (OIDC) or attribute (SAML) whose values are mapped by ``role_map``/``team_map``.
    roles_claim: Mapped[str] = mapped_column(String(255), default="roles")
    email_claim: Mapped[str] = mapped_column(String(255), default="email")
    #: ``{"<claim value>": "health_visitor" | "coordinator" | "evaluator" | "admin"}``.
    role_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: ``{"<claim value>": "<team name of this municipality>"}``.
    team_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SAML: the identity provider's metadata XML (its certificate and endpoints).
    metadata_xml: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    municipality: Mapped[Municipality] = relationship()

    def __repr__(self) -> str:
        # No secret in a repr: tracebacks and debug logs print them.
        return (f"<IdentityProvider {self.protocol} municipality={self.municipality_id} "
                f"issuer={self.issuer!r}>")


class ExternalIdentity(db.Model):
    """Which staff account a provider's subject (``sub``, SAML NameID) signs in as."""

    __bind_key__ = "personal"
    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_provider.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), unique=True
    )
    #: Set when the account was deactivated because the provider stopped giving it a role:
    #: the session token it was left with. It comes back when a role does, unless an admin
    #: changed the account since (any change by an admin renews the token): a local
    #: deactivation is never undone by a sign-in.
    deactivated_token: Mapped[str | None] = mapped_column(String(43))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[StaffUser] = relationship()


class UsedAssertion(db.Model):
    """SAML assertion ids already accepted, kept until they expire: a replay is refused."""

    __bind_key__ = "personal"
    __tablename__ = "sso_used_assertion"

    #: SHA-256 of issuer + assertion id.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    #: Until the browser comes back to finish the sign-in (the assertion arrives as a
    #: cross-site POST, without the session cookie that says which request it answers):
    #: the id of the request it answers (InResponseTo) and the claims. The claims are
    #: emptied when the sign-in finishes.
    request_id: Mapped[str | None] = mapped_column(String(100))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
