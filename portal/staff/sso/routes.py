"""Sign-in through a municipality's identity provider: the staff views. Thin: the checks are
in ``oidc``, ``saml`` and ``provisioning``; the session is the password users' own
(``auth.start_session``: same timeouts, same role checks, same audit events)."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import csrf, db
from ...security import safe_next
from .. import auth, bp
from ..forms import LoginForm
from . import oidc, provisioning
from .models import IdentityProvider
from .provisioning import SignInRefused

_CODE = re.compile(r"[0-9]{4}")
#: How long a started sign-in may take at the provider before the portal forgets it.
_PENDING_SECONDS = 15 * 60


def callback_url() -> str:
    """The one redirect URI registered at every OIDC provider."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("staff.sso_callback")


def refusal_message(code: str) -> str:
    if code == "no_role":
        return _("Your municipality's sign-in did not give you access to this portal. Ask your "
                 "coordinator or the IT department to give you a role.")
    if code == "deactivated":
        return _("Your account in the portal is deactivated. Ask your coordinator.")
    if code == "email_taken":
        return _("Your e-mail address belongs to another account in the portal. Ask your "
                 "coordinator.")
    if code == "provider_unreachable":
        return _("Your municipality's sign-in cannot be reached right now. Try again in a few "
                 "minutes.")
    return _("The sign-in could not be completed. Start again.")


def render_login(error: str | None = None, status: int = 200) -> Any:
    """The login page: the municipalities' own sign-ins, then e-mail, password and code."""
    return render_template(
        "staff/login.html", form=LoginForm(), error=error,
        identity_providers=provisioning.enabled_providers(),
    ), status


def _refused(code: str) -> Any:
    # A callback this browser did not start, or a used code, is a bad request; a provider's
    # answer that does not let the person in is a refusal.
    status = {"provider_unreachable": 502, "state": 400, "code": 400, "saml_response": 400}.get(
        code, 403
    )
    return render_login(refusal_message(code), status)


@bp.get("/login/<code>")
def login_municipality(code: str) -> Any:
    """A municipality's own login address: straight to its identity provider."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    provider = provisioning.provider_for_code(code) if _CODE.fullmatch(code) else None
    if provider is None:
        flash(_("This municipality signs in with e-mail, password and code."))
        return redirect(url_for("staff.login"), 303)
    try:
        if provider.protocol == "saml":
            from . import saml

            url, pending = saml.begin(provider)
        else:
            url, pending = oidc.begin(provider, callback_url())
    except SignInRefused as error:
        return _refused(error.code)
    # A fresh session: whatever was in it before the sign-in plays no part after it.
    session.clear()
    session["sso"] = {
        "p": provider.id, "at": int(time.time()),
        "next": safe_next(request.args.get("next")), **pending,
    }
    return redirect(url, 303)


def _pending(protocol: str) -> tuple[IdentityProvider | None, dict[str, Any]]:
    """The sign-in this browser started (taken out of the session: it is used once)."""
    pending = session.pop("sso", None)
    if not isinstance(pending, dict) or not isinstance(pending.get("p"), int):
        return None, {}
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > _PENDING_SECONDS:
        return None, {}
    provider = db.session.get(IdentityProvider, pending["p"])
    if provider is None or not provider.enabled or provider.protocol != protocol:
        return None, {}
    return provider, pending


def complete(provider: IdentityProvider, claims: provisioning.ProviderClaims,
             pending: dict[str, Any]) -> Any:
    """Shared end of both protocols: the account from the claims, then the ordinary
    staff session."""
    try:
        user = provisioning.sign_in(provider, claims)
    except SignInRefused as error:
        return _refused(error.code)
    auth.start_session(user)
    # Only which provider: its logout needs the client id, not the ID token (kept out of the
    # cookie, which it would make too large with Entra's group claims).
    session["sso_logout"] = {"p": provider.id}
    return redirect(safe_next(pending.get("next")) or url_for("staff.home"), 303)


@bp.get("/sso/callback")
def sso_callback() -> Any:
    """Where an OpenID provider sends the browser back with a code."""
    provider, pending = _pending("oidc")
    if provider is None:
        return _refused("state")
    args = {key: request.args.get(key, "")[:4096] for key in ("code", "state", "error")}
    try:
        claims = oidc.finish(provider, pending, args, callback_url())
    except SignInRefused as error:
        provisioning.refuse(provider, error.code)
        return _refused(error.code)
    return complete(provider, claims, pending)


def provider_logout_url() -> str | None:
    """Before a logout: where the browser goes next to end the provider's session too."""
    logout = session.get("sso_logout")
    if not isinstance(logout, dict) or not isinstance(logout.get("p"), int):
        return None
    provider = db.session.get(IdentityProvider, logout["p"])
    if provider is None or provider.protocol != "oidc":
        return None
    after = current_app.config["BASE_URL"].rstrip("/") + url_for("staff.login")
    return oidc.logout_url(provider, after)



def after_logout(provider_logout: str | None) -> Any:
    """Where the logout form's answer goes: the provider's logout, by way of a page of ours
    (a redirect to another site right after a form is what the CSP's form-action forbids)."""
    if not provider_logout:
        return redirect(url_for("staff.login"), 303)
    session["sso_logout_url"] = provider_logout
    return redirect(url_for("staff.sso_logged_out"), 303)


@bp.get("/logged-out")
def sso_logged_out() -> Any:
    url = session.pop("sso_logout_url", None)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return redirect(url_for("staff.login"), 303)
    return render_template("staff/sso_logged_out.html", url=url)


# --- SAML (KOMBIT Context Handler) ------------------------------------------------------------


def _finish_serializer() -> Any:
    from itsdangerous import URLSafeTimedSerializer

    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="staff-saml-finish")


@bp.post("/saml/acs")
@csrf.exempt  # the identity provider posts here; the signed assertion is the proof
def saml_acs() -> Any:
    """Assertion consumer: the identity provider's POST. The browser's session cookie does not
    come with it (SameSite=Lax), so the answer is checked here and bound to the session in
    ``saml_finish``, where it does."""
    from . import saml

    issuer = _saml_issuer(request.form.get("SAMLResponse", ""))
    provider = db.session.execute(
        db.select(IdentityProvider).filter_by(protocol="saml", enabled=True, issuer=issuer)
    ).scalar_one_or_none() if issuer else None
    if provider is None:
        return _refused("saml_response")
    try:
        _claims, _request_id, key = saml.accept(provider, request.form["SAMLResponse"])
    except SignInRefused as error:
        provisioning.refuse(provider, error.code)
        return _refused(error.code)
    token = _finish_serializer().dumps(key)
    return redirect(url_for("staff.saml_finish", t=token), 303)


def _saml_issuer(encoded: str) -> str | None:
    """The Issuer a posted response names (unchecked: it only picks the configuration that
    then checks everything)."""
    import base64
    import binascii

    from defusedxml import ElementTree

    if not encoded or len(encoded) > 512 * 1024:
        return None
    try:
        root = ElementTree.fromstring(base64.b64decode(encoded))
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return None
    except Exception:  # defusedxml refuses DTDs and entities by raising
        return None
    for element in root:
        if element.tag == "{urn:oasis:names:tc:SAML:2.0:assertion}Issuer" and element.text:
            return element.text.strip()
    return None


@bp.get("/saml/finish")
def saml_finish() -> Any:
    """Back in the browser that started the sign-in: its session names the request."""
    from itsdangerous import BadSignature

    from . import saml

    provider, pending = _pending("saml")
    try:
        key = _finish_serializer().loads(request.args.get("t", "")[:300], max_age=300)
    except (BadSignature, UnicodeError, ValueError):
        key = None
    if provider is None or not isinstance(key, str):
        return _refused("state")
    try:
        claims = saml.take_pending(key, provider, str(pending.get("request", "")))
    except SignInRefused as error:
        provisioning.refuse(provider, error.code)
        return _refused("state")
    return complete(provider, claims, pending)


@bp.get("/saml/metadata")
def saml_metadata() -> Any:
    """The portal's service-provider metadata (entity id, assertion consumer, certificate)."""
    from flask import Response

    from . import saml

    try:
        text = saml.metadata_xml()
    except SignInRefused:
        return Response("SAML is not configured on this portal.\n", 404, mimetype="text/plain")
    return Response(text, mimetype="application/samlmetadata+xml")
