"""OpenID Connect sign-in (Entra ID and any certified provider) with Authlib.

Authorization code flow with PKCE (S256), ``state`` and ``nonce``. The ID token is checked
against the provider's published keys (JWKS): signature, issuer, audience, expiry, nonce,
``at_hash``, and the tenant (``tid``) when the municipality names one.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .models import IdentityProvider
from .provisioning import ProviderClaims, SignInRefused, as_values
from .sealing import unseal

SCOPE = "openid email profile"
#: Discovery documents and key sets are fetched at most once an hour per issuer (keys again
#: at once when a token names a key id not in the cached set: the provider rotated).
_CACHE_SECONDS = 3600
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str) -> dict[str, Any]:
    response = requests.get(url, timeout=float(current_app.config.get("SSO_HTTP_TIMEOUT", 10)))
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    return data


def _cached(url: str, force: bool = False) -> dict[str, Any]:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(url)
    if hit and not force and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    data = _get_json(url)
    with _cache_lock:
        _cache[url] = (now, data)
    return data


def server_metadata(provider: IdentityProvider) -> dict[str, Any]:
    """The provider's discovery document; its ``issuer`` must be the configured one."""
    issuer = provider.issuer.rstrip("/")
    metadata = _cached(f"{issuer}/.well-known/openid-configuration")
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise SignInRefused("issuer")
    return metadata


def _session(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id, unseal(provider.client_secret), scope=SCOPE, redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def begin(provider: IdentityProvider, redirect_uri: str) -> tuple[str, dict[str, Any]]:
    """The provider's authorization URL and what the callback must check (kept in the
    staff session: state, nonce, PKCE verifier)."""
    try:
        metadata = server_metadata(provider)
    except (requests.RequestException, ValueError):
        raise SignInRefused("provider_unreachable") from None
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url, _state = _session(provider, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    return url, {"state": state, "nonce": nonce, "verifier": verifier}


def finish(
    provider: IdentityProvider, pending: dict[str, Any], args: dict[str, str], redirect_uri: str
) -> ProviderClaims:
    """Check the callback, exchange the code, check the ID token: the person's claims.
    Raises SignInRefused with the reason."""
    if args.get("error"):
        raise SignInRefused("provider_error")
    state = args.get("state") or ""
    if not secrets.compare_digest(state.encode(), str(pending.get("state", "")).encode()):
        raise SignInRefused("state")
    code = args.get("code")
    if not code or len(code) > 2048:
        raise SignInRefused("code")
    try:
        metadata = server_metadata(provider)
        token = _session(provider, redirect_uri).fetch_token(
            metadata["token_endpoint"], code=code, code_verifier=pending.get("verifier"),
            grant_type="authorization_code",
            timeout=float(current_app.config.get("SSO_HTTP_TIMEOUT", 10)),
        )
    except OAuthError:
        # invalid_grant: a code used before, expired, or issued to someone else.
        raise SignInRefused("code") from None
    except (requests.RequestException, ValueError):
        raise SignInRefused("provider_unreachable") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("token")
    claims = validate_id_token(provider, metadata, id_token, token, str(pending.get("nonce")))
    if provider.tenant and claims.get("tid") != provider.tenant:
        raise SignInRefused("tenant")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInRefused("token")
    email = claims.get(provider.email_claim or "email")
    name = claims.get("name")
    return ProviderClaims(
        subject=subject,
        email=email if isinstance(email, str) else None,
        name=name if isinstance(name, str) else "",
        values=as_values(claims.get(provider.roles_claim or "roles")),
    )


def validate_id_token(
    provider: IdentityProvider, metadata: dict[str, Any], id_token: str, token: dict[str, Any],
    nonce: str,
) -> CodeIDToken:
    """Signature against the provider's JWKS, then Authlib's ID-token rules."""
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    # "none" and shared-secret algorithms are never accepted for an ID token here.
    algorithms = [alg for alg in algorithms if alg not in ("none", "HS256", "HS384", "HS512")]
    registry = JWSRegistry(algorithms=algorithms)
    try:
        try:
            keys = KeySet.import_key_set(_cached(metadata["jwks_uri"]))
            decoded = jwt.decode(id_token, keys, registry=registry)
        except JoseError:
            keys = KeySet.import_key_set(_cached(metadata["jwks_uri"], force=True))
            decoded = jwt.decode(id_token, keys, registry=registry)
    except (JoseError, ValueError, KeyError, requests.RequestException):
        raise SignInRefused("signature") from None
    claims = CodeIDToken(
        decoded.claims, decoded.header,
        {"iss": {"essential": True, "value": metadata["issuer"]},
         "aud": {"essential": True, "value": provider.client_id}},
        {"nonce": nonce, "client_id": provider.client_id,
         "access_token": token.get("access_token")},
    )
    leeway = int(current_app.config.get("SSO_CLOCK_SKEW_SECONDS", 60))
    try:
        claims.validate(leeway=leeway)
    except ExpiredTokenError:
        raise SignInRefused("expired") from None
    except InvalidClaimError as error:
        raise SignInRefused(f"claim_{error.claim}"[:32]) from None
    except (JoseError, ValueError):
        raise SignInRefused("token") from None
    return claims


def logout_url(provider: IdentityProvider, after: str) -> str | None:
    """Where the browser ends the provider's session too, if the provider supports it
    (``end_session_endpoint``, RP-initiated logout); None otherwise."""
    try:
        endpoint = server_metadata(provider).get("end_session_endpoint")
    except (requests.RequestException, ValueError, SignInRefused):
        return None
    if not endpoint:
        return None
    from authlib.common.urls import add_params_to_uri

    params = [("client_id", provider.client_id or ""), ("post_logout_redirect_uri", after)]
    return add_params_to_uri(endpoint, params)
