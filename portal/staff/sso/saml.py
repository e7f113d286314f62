"""SAML 2.0 sign-in for KOMBIT's Context Handler (OIOSAML) with pysaml2.

The portal is the service provider (SP). Assertions must be signed by the identity provider's
certificate from its metadata; pysaml2 checks the signature, the audience (our entity id), the
recipient and destination (our assertion consumer URL) and the validity window. Replays are
refused twice over: each assertion id is accepted once (``UsedAssertion``), and the assertion
must answer the request this browser's own session sent (``InResponseTo``).

KOMBIT sends roles as job-function roles inside a privilege list (OIOSAML basic privilege
profile), each group of privileges scoped to an organisation (its CVR number). Only privileges
scoped to the municipality's own CVR count.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

from defusedxml import ElementTree
from flask import current_app, url_for
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...timeutil import utcnow
from .models import IdentityProvider, UsedAssertion
from .provisioning import ProviderClaims, SignInRefused

PRIVILEGES_ATTRIBUTE = "dk:gov:saml:attribute:Privileges_intermediate"
CVR_SCOPE = "urn:dk:gov:saml:cvrNumberIdentifier:"
#: OIOSAML's names for the e-mail address and the common name.
EMAIL_ATTRIBUTE = "urn:oid:0.9.2342.19200300.100.1.3"
NAME_ATTRIBUTE = "urn:oid:2.5.4.3"
#: A signed response is at most this large; KOMBIT's are a few kilobytes.
MAX_RESPONSE_BYTES = 256 * 1024


def xmlsec_binary() -> str | None:
    return shutil.which("xmlsec1")


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def sp_entity_id() -> str:
    return current_app.config.get("SAML_SP_ENTITY_ID") or _base() + url_for("staff.saml_metadata")


def acs_url() -> str:
    return _base() + url_for("staff.saml_acs")


def sp_config(provider: IdentityProvider | None) -> SPConfig:
    """pysaml2's configuration of the portal as service provider, with this provider's
    metadata (none for the portal's own metadata document)."""
    xmlsec = xmlsec_binary()
    key, cert = current_app.config.get("SAML_SP_KEY_FILE"), current_app.config.get(
        "SAML_SP_CERT_FILE"
    )
    if not xmlsec or not key or not cert:
        # Without xmlsec1 no signature can be checked; without our key nothing is signed.
        raise SignInRefused("saml_not_configured")
    settings: dict[str, Any] = {
        "entityid": sp_entity_id(),
        "xmlsec_binary": xmlsec,
        "key_file": key,
        "cert_file": cert,
        "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)]},
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "name_id_format": NAMEID_FORMAT_PERSISTENT,
            # InResponseTo is checked against the browser's own session in ``claims_from``'s
            # caller: the response arrives as a cross-site POST, without that cookie.
            "allow_unsolicited": True,
        }},
    }
    if provider is not None:
        settings["metadata"] = {"inline": [provider.metadata_xml or ""]}
    config = SPConfig()
    config.load(settings)
    return config


def metadata_xml() -> str:
    """The portal's SP metadata: what KOMBIT's administration module is given."""
    text = create_metadata_string(None, config=sp_config(None), valid=24 * 365)
    return text.decode() if isinstance(text, bytes) else text


def begin(provider: IdentityProvider) -> tuple[str, dict[str, Any]]:
    """The redirect to the identity provider with a signed AuthnRequest, and the request id
    the response must answer."""
    try:
        client = Saml2Client(config=sp_config(provider))
        request_id, info = client.prepare_for_authenticate(
            entityid=provider.issuer, binding=BINDING_HTTP_REDIRECT,
            sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        )
    except SignInRefused:
        raise
    except Exception:  # noqa: BLE001  (pysaml2 raises many kinds for a bad metadata document)
        current_app.logger.exception("SAML sign-in could not start for provider %s", provider.id)
        raise SignInRefused("provider_unreachable") from None
    location = dict(info["headers"])["Location"]
    return location, {"request": request_id}


def accept(provider: IdentityProvider, saml_response: str) -> tuple[ProviderClaims, str, str]:
    """Check a posted response: (claims, the request it answers, the assertion's key).
    Records the assertion as used. Raises SignInRefused."""
    if not saml_response or len(saml_response) > MAX_RESPONSE_BYTES:
        raise SignInRefused("saml_response")
    try:
        client = Saml2Client(config=sp_config(provider))
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST)
    except SignInRefused:
        raise
    except Exception as error:  # noqa: BLE001  (signature, audience, time: all refusals)
        raise SignInRefused(_reason(error)) from None
    if response is None or response.assertion is None:
        # pysaml2 answers None (and logs why) for a response that is not addressed to us.
        raise SignInRefused("saml_refused")
    assertion = response.assertion
    if response.issuer() != provider.issuer:
        raise SignInRefused("saml_issuer")
    attributes = _attributes(assertion)
    subject = response.name_id.text if response.name_id is not None else None
    if not subject:
        raise SignInRefused("saml_response")
    values = values_for(provider, attributes.get(provider.roles_claim, []))
    email = (attributes.get(provider.email_claim or EMAIL_ATTRIBUTE) or [None])[0]
    name = (attributes.get(NAME_ATTRIBUTE) or [""])[0]
    claims = ProviderClaims(subject=subject.strip(), email=email, name=name or "",
                            values=tuple(values))
    key = _record_once(provider, assertion.id, _not_on_or_after(response),
                       str(response.in_response_to or ""), claims)
    return claims, str(response.in_response_to or ""), key


def _reason(error: Exception) -> str:
    name = type(error).__name__
    text = str(error).lower()
    if "signature" in name.lower() or "signed" in text or "signature" in text:
        return "saml_signature"
    if "audience" in text or "not for me" in text:
        return "saml_audience"
    if "recipient" in text or "destination" in text:
        return "saml_recipient"
    if "too old" in text or "expired" in text or "not on or after" in text:
        return "saml_expired"
    return "saml_response"


def _not_on_or_after(response: Any) -> datetime:
    # Kept until the assertion could no longer be used anyway, and at least an hour.
    at_least = utcnow() + timedelta(hours=1)
    ends = getattr(response, "not_on_or_after", 0)
    if isinstance(ends, int | float) and ends > 0:
        return max(at_least, datetime.fromtimestamp(ends, UTC).replace(tzinfo=None))
    return at_least


def _record_once(
    provider: IdentityProvider, assertion_id: str, until: datetime, in_response_to: str,
    claims: ProviderClaims,
) -> str:
    """Accept an assertion id once; keeps the claims for ``take_pending``. Returns its key."""
    key = hashlib.sha256(f"{provider.issuer}\n{assertion_id}".encode()).hexdigest()
    db.session.execute(db.delete(UsedAssertion).where(UsedAssertion.expires_at < utcnow()))
    if db.session.get(UsedAssertion, key) is not None:
        db.session.rollback()
        raise SignInRefused("saml_replay")
    db.session.add(UsedAssertion(
        id=key, expires_at=until, request_id=in_response_to[:100],
        claims={"p": provider.id, "subject": claims.subject, "email": claims.email,
                "name": claims.name, "values": list(claims.values)},
    ))
    try:
        db.session.commit()
    except IntegrityError:  # the same assertion posted twice at the same moment
        db.session.rollback()
        raise SignInRefused("saml_replay") from None
    return key


def take_pending(key: str, provider: IdentityProvider, request_id: str) -> ProviderClaims:
    """The claims of an accepted assertion, once, if it answers ``request_id`` (the request
    this browser's session sent). Raises SignInRefused."""
    row = db.session.get(UsedAssertion, key) if len(key) == 64 else None
    claims = row.claims if row is not None else None
    if not isinstance(claims, dict) or claims.get("p") != provider.id:
        raise SignInRefused("saml_replay")
    row.claims = None  # used up, whatever happens next
    db.session.commit()
    if not request_id or row.request_id != request_id:
        raise SignInRefused("saml_in_response_to")
    return ProviderClaims(
        subject=str(claims["subject"]), email=claims.get("email"), name=claims.get("name") or "",
        values=tuple(str(value) for value in claims.get("values") or []),
    )


def _attributes(assertion: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            texts = [value.text.strip() for value in attribute.attribute_value or []
                     if value.text]
            found.setdefault(attribute.name, []).extend(texts)
    return found


def values_for(provider: IdentityProvider, raw: list[str]) -> list[str]:
    """Role values from the roles attribute: KOMBIT's privilege list (only the privileges
    scoped to the municipality's CVR number), or plain values from any other provider."""
    if provider.roles_claim != PRIVILEGES_ATTRIBUTE:
        return raw
    values: list[str] = []
    for item in raw:
        values.extend(privileges(item, provider.tenant or ""))
    return values


def privileges(encoded: str, cvr: str) -> list[str]:
    """The job-function roles of a base64 privilege list that are scoped to ``cvr``."""
    try:
        document = base64.b64decode(encoded, validate=False)
        root = ElementTree.fromstring(document)
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return []
    except Exception:  # noqa: BLE001  (defusedxml refuses entities and DTDs by raising)
        return []
    wanted = CVR_SCOPE + cvr
    found = []
    for group in root.iter():
        if not group.tag.endswith("PrivilegeGroup") or group.get("Scope") != wanted:
            continue
        for privilege in group:
            if privilege.tag.endswith("Privilege") and privilege.text:
                found.append(privilege.text.strip())
    return found
