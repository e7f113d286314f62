"""The second factor for staff: TOTP codes (RFC 6238, via pyotp) and one-time recovery codes.

Plain functions, testable without a request. Each check audits and commits; failures count
against the same kind of limits as passwords (per account and per address).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

import limits
import pyotp
from flask import current_app
from sqlalchemy import or_, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..extensions import db, limiter
from ..models.personal import RecoveryCode, StaffUser
from ..timeutil import utcnow

RECOVERY_CODE_COUNT = 10
#: Letters and digits that cannot be mistaken for each other when read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS, _RECOVERY_GROUP_LENGTH = 3, 4
_TOTP_CODE = re.compile(r"\d{6}")
#: Codes a step before or after the server's clock are accepted: phones drift a little.
VALID_WINDOW = 1


def is_enrolled(user: StaffUser) -> bool:
    return bool(user.totp_secret and user.mfa_enrolled_at)


def pending_secret(user: StaffUser) -> str:
    """The secret being enrolled: drawn once and kept, so reloading the page does not change
    what the user has already scanned. Caller commits."""
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32(length=32)
    return user.totp_secret


def provisioning_uri(user: StaffUser) -> str:
    issuer = current_app.config["MFA_ISSUER"]
    return pyotp.TOTP(pending_secret(user)).provisioning_uri(name=user.email, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str) -> str:
    """What a person typed, without spaces, dashes and case; digits as ASCII."""
    text = "".join(ch for ch in (code or "") if not ch.isspace() and ch not in "-–")
    digits = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text)
    return digits.lower()


# --- TOTP -------------------------------------------------------------------------------------


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code equals ``code`` (within the drift window), or None."""
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = totp.timecode(_datetime(now))
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _datetime(at: float):  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC)


def _claim_step(user: StaffUser, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was. One UPDATE, so two
    requests racing with the same code cannot both win."""
    result = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .where(or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        user.totp_last_step = step
        return True
    return False


# --- recovery codes ---------------------------------------------------------------------------


def _hash_code(code: str, salt: str) -> str:
    return hashlib.sha256((salt + code).encode()).hexdigest()


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
        for _ in range(_RECOVERY_GROUPS)
    )
    return "-".join(groups)


def prepare_recovery_codes() -> list[tuple[str, str]]:
    """Fresh codes with their hashes: (code to show once, stored hash). Slow on purpose (ten
    scrypt hashes), so callers do it before they start writing (SQLite's write lock).

    Each code has about 59 bits of randomness, under the 112 bits below which ASVS 5.0 (6.5.2)
    asks for a password hash: scrypt with a random salt, like passwords.
    """
    method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    return [(code, generate_password_hash(normalise(code), method=method)) for code in codes]


def new_recovery_codes(
    user: StaffUser, prepared: list[tuple[str, str]] | None = None
) -> list[str]:
    """Replace the user's recovery codes; returns the codes to show once. Caller commits."""
    prepared = prepared or prepare_recovery_codes()
    user.recovery_codes.clear()
    for _code, code_hash in prepared:
        user.recovery_codes.append(RecoveryCode(code_hash=code_hash))
    return [code for code, _hash in prepared]


def _code_matches(code_hash: str, code: str) -> bool:
    if code_hash.startswith(("scrypt:", "pbkdf2:")):
        return check_password_hash(code_hash, code)
    # Codes made before issue 18: "salt$sha256(salt + code)".
    salt, _, digest = code_hash.partition("$")
    return secrets.compare_digest(_hash_code(code, salt), digest)


def _use_recovery_code(user: StaffUser, code: str) -> bool:
    if not code or len(code) > 32:
        return False
    unused = list(db.session.execute(
        db.select(RecoveryCode).filter_by(user_id=user.id, used_at=None)
    ).scalars())
    for row in unused:
        if _code_matches(row.code_hash, code):
            claimed = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return claimed.rowcount == 1
    return False


def recovery_codes_left(user: StaffUser) -> int:
    return len(
        db.session.execute(
            db.select(RecoveryCode.id).filter_by(user_id=user.id, used_at=None)
        ).all()
    )


# --- attempt limits ---------------------------------------------------------------------------


def _limits() -> tuple[limits.RateLimitItem, limits.RateLimitItem]:
    config = current_app.config
    return (
        limits.parse(config["MFA_LIMIT_PER_ACCOUNT"]),
        limits.parse(config["MFA_LIMIT_PER_ADDRESS"]),
    )


def attempts_allowed(user: StaffUser, address: str) -> bool:
    per_account, per_address = _limits()
    strategy = limiter.limiter
    return strategy.test(per_account, "mfa-account", str(user.id)) and strategy.test(
        per_address, "mfa-address", address
    )


def _record_failure(user: StaffUser, address: str) -> None:
    per_account, per_address = _limits()
    limiter.limiter.hit(per_account, "mfa-account", str(user.id))
    limiter.limiter.hit(per_address, "mfa-address", address)


def _clear_failures(user: StaffUser) -> None:
    per_account, _ = _limits()
    limiter.limiter.clear(per_account, "mfa-account", str(user.id))


# --- the checks the views call ----------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """``outcome``: ``totp``, ``recovery``, ``reused``, ``wrong``, ``throttled``, ``locked``
    (too many wrong authenticator codes: only a recovery code now) or ``blocked`` (too many
    wrong recovery codes too: only a coordinator's or admin's reset now)."""

    outcome: str
    recovery_codes_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("totp", "recovery")


def _fail(user: StaffUser, address: str, reason: str, action: str = "mfa.failed") -> Check:
    _record_failure(user, address)
    audit.record("anonymous", action, f"staff:{user.id}", reason=reason)
    db.session.commit()
    return Check(reason)


def _count_failure(user: StaffUser, column: str) -> int:
    """Add one to a wrong-codes-in-a-row counter in a single UPDATE; the new count."""
    counter = getattr(StaffUser, column)
    db.session.execute(
        update(StaffUser).where(StaffUser.id == user.id).values({column: counter + 1})
        .execution_options(synchronize_session=False)
    )
    count = db.session.execute(db.select(counter).where(StaffUser.id == user.id)).scalar_one()
    setattr(user, column, count)
    return int(count)


def _lock_totp(user: StaffUser) -> bool:
    """Lock the authenticator code; True for the one request that did it (it sends the notice)."""
    result = db.session.execute(
        update(StaffUser).where(StaffUser.id == user.id, StaffUser.totp_locked_at.is_(None))
        .values(totp_locked_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _wrong_totp(user: StaffUser, address: str, reason: str) -> Check:
    count = _count_failure(user, "totp_failures")
    if count >= int(current_app.config["MFA_MAX_FAILURES"]) and _lock_totp(user):
        audit.record("anonymous", "mfa.locked", f"staff:{user.id}", count=count)
        db.session.commit()
        _notify(user, "mfa_locked")
        _security_event("mfa.locked", user)
    return _fail(user, address, reason)


def _wrong_recovery(user: StaffUser, address: str) -> Check:
    count = _count_failure(user, "recovery_failures")
    if count == int(current_app.config["RECOVERY_MAX_FAILURES"]):
        audit.record("anonymous", "mfa.blocked", f"staff:{user.id}", count=count)
        db.session.commit()
        _notify(user, "mfa_blocked")
        _security_event("mfa.blocked", user)
    return _fail(user, address, "wrong")


def _notify(user: StaffUser, kind: str) -> None:
    from . import notices

    notices.notify(user, kind)


def _security_event(event: str, user: StaffUser) -> None:
    from ..security import log_event

    log_event(event, subject=f"staff:{user.id}")


def _succeeded(user: StaffUser) -> None:
    """The second factor passed: every wrong-codes counter starts again (caller commits)."""
    _clear_failures(user)
    user.totp_failures = 0
    user.recovery_failures = 0
    user.totp_locked_at = None


def is_blocked(user: StaffUser) -> bool:
    return int(user.recovery_failures or 0) >= int(current_app.config["RECOVERY_MAX_FAILURES"])


def verify(user: StaffUser, code: str, address: str) -> Check:
    """The second step of a login: a current TOTP code, or an unused recovery code.

    Wrong codes are counted in a row, apart for the two kinds (a six-digit code is an
    authenticator code; anything else is taken for a recovery code): past
    ``MFA_MAX_FAILURES`` authenticator codes no authenticator code is accepted until a
    recovery code (or a reset) succeeds; past ``RECOVERY_MAX_FAILURES`` recovery codes only
    a reset helps. The user is e-mailed at each lock. Guessing therefore ends: at most
    ``MFA_MAX_FAILURES`` tries at a one-in-a-third-of-a-million code, ever, between logins.
    """
    subject = f"staff:{user.id}"
    if not attempts_allowed(user, address):
        audit.record("anonymous", "mfa.throttled", subject)
        db.session.commit()
        return Check("throttled")
    if is_blocked(user):
        audit.record("anonymous", "mfa.refused", subject, reason="blocked")
        db.session.commit()
        return Check("blocked")
    typed = normalise(code)
    if not is_enrolled(user):
        return _fail(user, address, "wrong")
    if _TOTP_CODE.fullmatch(typed):
        if user.totp_locked_at is not None:
            audit.record("anonymous", "mfa.refused", subject, reason="locked")
            db.session.commit()
            return Check("locked")
        step = matching_step(user.totp_secret or "", typed)
        if step is None:
            return _wrong_totp(user, address, "wrong")
        if not _claim_step(user, step):
            return _wrong_totp(user, address, "reused")
        _succeeded(user)
        audit.record(audit.staff_actor(user.id), "mfa.succeeded", subject, kind="totp")
        db.session.commit()
        return Check("totp")
    if _use_recovery_code(user, typed):
        _succeeded(user)
        left = recovery_codes_left(user)
        audit.record(audit.staff_actor(user.id), "mfa.recovery_code_used", subject, count=left)
        db.session.commit()
        return Check("recovery", left)
    return _wrong_recovery(user, address)


def confirm_enrolment(user: StaffUser, code: str, address: str) -> tuple[Check, list[str]]:
    """Finish enrolment with a code from the new authenticator: (check, recovery codes)."""
    subject = f"staff:{user.id}"
    if not attempts_allowed(user, address):
        audit.record("anonymous", "mfa.throttled", subject)
        db.session.commit()
        return Check("throttled"), []
    step = matching_step(pending_secret(user), normalise(code))
    if step is None:
        return _fail(user, address, "wrong", "mfa.enrolment_failed"), []
    prepared = prepare_recovery_codes()  # the slow part, before the first write
    if not _claim_step(user, step):
        return _fail(user, address, "wrong", "mfa.enrolment_failed"), []
    user.mfa_enrolled_at = utcnow()
    codes = new_recovery_codes(user, prepared)
    _succeeded(user)
    audit.record(audit.staff_actor(user.id), "mfa.enrolled", subject, count=len(codes))
    db.session.commit()
    _notify(user, "mfa_enrolled")
    return Check("totp", len(codes)), codes


def enrol_with_secret(user: StaffUser, secret: str) -> None:
    """Enrol without the confirmation step (demo users, test fixtures). Caller commits."""
    user.totp_secret = secret
    user.mfa_enrolled_at = utcnow()
    user.totp_last_step = None


def reset(user: StaffUser, actor: str) -> None:
    """Forget the second factor: the user enrols again at the next login. Ends every session
    of the user. Commits."""
    from . import auth

    user.totp_secret = None
    user.mfa_enrolled_at = None
    user.totp_last_step = None
    user.totp_failures = user.recovery_failures = 0
    user.totp_locked_at = None
    user.recovery_codes.clear()
    auth.end_all_sessions(user)
    audit.record(actor, "mfa.reset", f"staff:{user.id}")
    db.session.commit()
    _notify(user, "mfa_reset")
