"""Staff accounts: create, change, set passwords. Coordinators manage their municipality's
health visitors and coordinators; admins manage everyone."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func

from .. import access, audit
from ..delivery import ContactError
from ..delivery.email import parse_email
from ..extensions import db
from ..models.personal import Municipality, Role, StaffUser, Team
from . import auth, login_limits, notices, passwords, session_ends


class AccountError(ValueError):
    """A change was refused; ``code`` names why (the caller words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def find_organisation(value: str) -> Municipality | None:
    """A municipality by its code (``0240``) or its name, case-insensitive."""
    text = (value or "").strip()
    return db.session.execute(
        db.select(Municipality).where(
            (Municipality.code == text) | (func.lower(Municipality.name) == text.lower())
        )
    ).scalar_one_or_none()


def normalise_email(value: str) -> str:
    try:
        return parse_email(value).lower()
    except ContactError as error:
        raise AccountError(error.code) from None


def find_by_email(email: str) -> StaffUser | None:
    return db.session.execute(
        db.select(StaffUser).filter_by(email=email.strip().lower())
    ).scalar_one_or_none()


def assignable_roles(actor: StaffUser) -> list[str]:
    if actor.role == Role.ADMIN:
        return [role.value for role in Role]
    if actor.role == Role.COORDINATOR:
        return [Role.HEALTH_VISITOR.value, Role.COORDINATOR.value]
    return []


def manageable_users(actor: StaffUser) -> Select:
    query = db.select(StaffUser).order_by(StaffUser.email)
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.COORDINATOR:
        # Only those ``can_manage`` allows: the municipality's admins and evaluators would be
        # listed with links that answer 404.
        return query.filter_by(municipality_id=actor.municipality_id).where(
            StaffUser.role.in_(assignable_roles(actor))
        )
    return query.where(False)


def can_manage(actor: StaffUser, user: StaffUser) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (
        actor.role == Role.COORDINATOR
        and user.municipality_id == actor.municipality_id
        and user.role in assignable_roles(actor)
    )


def _check_team(municipality: Municipality, team: Team | None) -> None:
    if team is not None and team.municipality_id != municipality.id:
        raise AccountError("team_mismatch")


def create_user(
    actor: str,
    email: str,
    role: str,
    municipality: Municipality,
    team: Team | None = None,
    name: str = "",
    password: str | None = None,
) -> StaffUser:
    """Create an account; without a password it waits for a set-password link. Commits."""
    address = normalise_email(email)
    if role not in access.ALL_ROLES:
        raise AccountError("role_invalid")
    _check_team(municipality, team)
    if find_by_email(address) is not None:
        raise AccountError("email_taken")
    user = StaffUser(
        email=address,
        name=name.strip(),
        role=role,
        municipality=municipality,
        team=team,
        active=True,
        session_token=session_ends.new_session_token(),
        password_hash=passwords.hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor, "user.created", f"staff:{user.id}", role=role, municipality=municipality.code
    )
    db.session.commit()
    return user


def update_user(
    actor: StaffUser, user: StaffUser, role: str, team: Team | None, active: bool, name: str
) -> list[str]:
    """Change a user; returns the names of what changed. Commits."""
    if not can_manage(actor, user) or role not in assignable_roles(actor):
        raise AccountError("not_allowed")
    if user.id == actor.id and (not active or role != actor.role):
        # Locking oneself out is never what was meant.
        raise AccountError("not_yourself")
    _check_team(user.municipality, team)
    changed = []
    for field, value in (("role", role), ("team_id", team.id if team else None),
                         ("active", active), ("name", name.strip())):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if {"role", "active"} & set(changed):
        session_ends.end_all_sessions(user)
    if changed:
        audit.record(
            audit.staff_actor(actor.id), "user.updated", f"staff:{user.id}",
            changed=changed, role=user.role, active=user.active,
        )
    db.session.commit()
    if "active" in changed and not user.active:
        notices.notify(user, "deactivated")
    elif "role" in changed:
        notices.notify(user, "role_changed")
    return changed


def set_password(user: StaffUser, password: str, actor: str) -> None:
    """Store a new password (NFC-normalised, see ``passwords.hash_password``), end every session of
    the user and e-mail them that it changed. Commits."""
    user.password_hash = passwords.hash_password(password)
    session_ends.end_all_sessions(user)
    audit.record(actor, "user.password_set", f"staff:{user.id}")
    db.session.commit()
    notices.notify(user, "password_changed")


def password_problem(
    password: str, min_length: int, context: Iterable[str | None] = ()
) -> str | None:
    """Why a password is refused, as a code, or None. ``context``: the user's name, e-mail
    address, municipality (``user_context``). See ``passwords.problem``."""
    return passwords.problem(password, min_length, context)


def user_context(user: StaffUser) -> list[str | None]:
    """The words a password of this user must not be made of."""
    municipality = user.municipality
    return [user.name, user.email, municipality.name if municipality else None,
            municipality.code if municipality else None]


def change_own_password(
    user: StaffUser, current: str, new: str, confirm: str, address: str
) -> auth.Login | str | None:
    """Self-service change: the current password, then the new one twice. Returns why it was
    refused (a code for ``labels.ERROR``, or an ``auth.Login`` saying how long to wait) or None
    when changed (every other session of the user ended; the caller starts this one again).
    Commits.

    A wrong current password counts like a failed login from this address, so the page is no
    way round the login limits."""
    attempt = login_limits.LoginAttempt(user.email, address, login_limits.device_nonce(user.id))
    outcome, wait = attempt.gate()
    if outcome != "ok":
        return auth.Login(outcome, None, wait)
    db.session.commit()  # hash outside the transaction (see auth.authenticate)
    if not passwords.verify_password(user.password_hash, current):
        attempt.failed()
        audit.record(audit.staff_actor(user.id), "user.password_change_failed",
                     f"staff:{user.id}", reason="wrong_current")
        db.session.commit()
        return "wrong_current"
    if passwords.normalise(new) != passwords.normalise(confirm):
        return "mismatch"
    from flask import current_app

    problem = password_problem(new, int(current_app.config["PASSWORD_MIN_LENGTH"]),
                               user_context(user))
    if problem:
        return problem
    set_password(user, new, audit.staff_actor(user.id))
    return None
