"""Staff sign-in through the municipality's own identity provider.

OpenID Connect (``oidc``, e.g. Entra ID) and SAML 2.0 (``saml``, KOMBIT's Context Handler).
A municipality with an enabled ``IdentityProvider`` signs in there; every other one keeps the
portal's password and TOTP. Accounts come from the provider's claims (``provisioning``).
"""

from . import models, routes  # noqa: F401
