"""A pysaml2 identity provider in the test process, playing KOMBIT's Context Handler: it reads
the portal's AuthnRequest and answers with a (signed, or deliberately not) assertion carrying
an OIOSAML privilege list. Skipped, with the reason, without the xmlsec1 binary."""

from __future__ import annotations

import base64
import datetime
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

IDP_ENTITY_ID = "https://n2adgangsstyring.test.kombit.dk/runtime/saml2auth/metadata.idp"
IDP_SSO_URL = "https://n2adgangsstyring.test.kombit.dk/runtime/saml2/issue.idp"
CVR = "29189854"  # the test municipality's CVR number (Egedal's)
ROLE_HEALTH_VISITOR = "http://kombit.dk/roles/jobrole/sundhedsplejerske/1"
ROLE_COORDINATOR = "http://kombit.dk/roles/jobrole/sundhedsplejekoordinator/1"
PRIVILEGES = "dk:gov:saml:attribute:Privileges_intermediate"
EMAIL = "urn:oid:0.9.2342.19200300.100.1.3"
NAME = "urn:oid:2.5.4.3"


def skip_reason() -> str | None:
    if shutil.which("xmlsec1") is None:
        return "xmlsec1 is not installed (Debian package xmlsec1): SAML signatures need it"
    return None


def key_and_certificate(folder: Path, name: str) -> tuple[str, str]:
    """A self-signed RSA key and certificate (as files), like the OCES ones in production."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def privilege_list(groups: dict[str, list[str]]) -> str:
    """KOMBIT's base64 privilege list: {CVR: [job-function role URIs]}."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>'
             '<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">']
    for cvr, roles in groups.items():
        parts.append(f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">')
        parts.extend(f"<Privilege>{role}</Privilege>" for role in roles)
        parts.append("</PrivilegeGroup>")
    parts.append("</bpp:PrivilegeList>")
    return base64.b64encode("".join(parts).encode()).decode()


class IdentityProvider:
    def __init__(self, folder: Path, sp_metadata: str, sso_url: str = IDP_SSO_URL):
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.server import Server

        self.key, self.cert = key_and_certificate(folder, "kombit-idp")
        settings: dict[str, Any] = {
            "entityid": IDP_ENTITY_ID,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": self.key, "cert_file": self.cert,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {
                    "lifetime": {"minutes": 5}, "attribute_restrictions": None,
                    "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                }},
                "want_authn_requests_signed": True,
            }},
            "metadata": {"inline": [sp_metadata]},
        }
        self.config = IdPConfig()
        self.config.load(settings)
        self.server = Server(config=self.config)

    def metadata(self) -> str:
        from saml2.metadata import create_metadata_string

        text = create_metadata_string(None, config=self.config, valid=24)
        return text.decode() if isinstance(text, bytes) else text

    def read_request(self, location: str) -> Any:
        """The AuthnRequest in the portal's redirect (signature checked)."""
        from saml2 import BINDING_HTTP_REDIRECT

        query = parse_qs(urlsplit(location).query)
        request = self.server.parse_authn_request(
            query["SAMLRequest"][0], BINDING_HTTP_REDIRECT,
            relay_state=(query.get("RelayState") or [None])[0],
            sigalg=query["SigAlg"][0], signature=query["Signature"][0],
        )
        return request.message

    def respond(
        self, request: Any, subject: str = "CN=Hanne Hansen,Serial=CVR:29189854-RID:1234",
        roles: dict[str, list[str]] | None = None, email: str = "hanne@egedal.dk",
        sign: bool = True, audience: str | None = None, destination: str | None = None,
    ) -> str:
        """A base64 SAMLResponse for the request (what the browser posts to the portal)."""
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

        roles = {CVR: [ROLE_HEALTH_VISITOR]} if roles is None else roles
        identity = {
            PRIVILEGES: [privilege_list(roles)], EMAIL: [email], NAME: ["Hanne Hansen"],
        }
        response = self.server.create_authn_response(
            identity=identity, in_response_to=request.id,
            destination=destination or request.assertion_consumer_service_url,
            sp_entity_id=audience or request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            sign_assertion=sign, sign_response=False,
            authn={"class_ref": "https://data.gov.dk/concept/core/nsis/loa/Substantial",
                   "authn_auth": IDP_ENTITY_ID},
        )
        return base64.b64encode(str(response).encode()).decode()


def sp_files(folder: Path) -> tuple[str, str]:
    return key_and_certificate(folder, "portal-sp")


def skip_without_xmlsec() -> None:
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
