"""Command-line commands: ``flask --app portal invitations create``, ``demo`` and friends."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import audit, links
from .extensions import db
from .models.personal import Invitation, Municipality, Role

invitations = AppGroup("invitations", help="Create and revoke parent links.")


@invitations.command("create")
@click.option("--questionnaire", "key", required=True, help="18-months, 3-years or cos-p.")
@click.option("--language", default="da", show_default=True, help="The family's language.")
@click.option(
    "--municipality", "code", default=None, help="Municipality code (default: the first one)."
)
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Days until it expires.")
def create_invitation(key: str, language: str, code: str | None, days: int | None) -> None:
    """Create an invitation and print its link (the last line)."""
    registry = current_app.extensions["questionnaires"]
    known = registry.keys()
    if key not in known:
        raise click.BadParameter(
            f"unknown questionnaire {key!r}; choose one of {', '.join(known)}",
            param_hint="--questionnaire",
        )
    if language not in current_app.config["LANGUAGES"]:
        raise click.BadParameter(
            f"language {language!r} is not enabled; choose one of "
            f"{', '.join(current_app.config['LANGUAGES'])}",
            param_hint="--language",
        )
    query = db.select(Municipality).order_by(Municipality.id)
    if code:
        query = query.filter_by(code=code)
    municipality = db.session.execute(query).scalars().first()
    if municipality is None:
        raise click.ClickException(
            f"no municipality {code!r}"
            if code
            else "no municipality yet: add one with 'flask municipality add' (docs/deployment.md)"
        )
    definition = registry.current(key)
    issued = links.issue_link(
        key, definition.version, language, municipality, channel="cli", lifetime_days=days
    )
    db.session.flush()
    subject = f"invitation:{issued.invitation.id}"
    audit.record("cli", "invitation.created", subject)
    db.session.commit()
    click.echo(
        f"Invitation {issued.invitation.id}: {key} v{definition.version}, language {language}, "
        f"{municipality.name}, expires {issued.invitation.expires_at:%Y-%m-%d}"
    )
    click.echo(issued.url)


@invitations.command("revoke")
@click.argument("target")
def revoke_invitation(target: str) -> None:
    """Revoke by invitation number or by the link itself."""
    invitation = None
    if target.isdigit():
        invitation = db.session.get(Invitation, int(target))
    elif links.LINK_PREFIX in target:
        invitation = links.find_by_token(target.rsplit(links.LINK_PREFIX, 1)[1])
    if invitation is None:
        raise click.ClickException("no such invitation")
    if not links.revoke(invitation):
        raise click.ClickException(f"invitation {invitation.id} is already {invitation.status}")
    audit.record("cli", "invitation.revoked", f"invitation:{invitation.id}")
    db.session.commit()
    click.echo(f"Invitation {invitation.id} revoked.")


staff = AppGroup("staff", help="Staff accounts.")


@staff.command("create")
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role if role is not Role.REVIEWER]),
)
@click.option("--organisation", required=True, help="Municipality code (0240) or name.")
@click.option("--team", default=None, help="Team name within the municipality.")
@click.option("--name", default="", help="The user's name, as colleagues see it.")
@click.option(
    "--link", is_flag=True, help="Print a one-time set-password link instead of asking for one."
)
def create_staff(
    email: str, role: str, organisation: str, team: str | None, name: str, link: bool
) -> None:
    """Create a staff user; asks for a password, or prints a set-password link (--link)."""
    from .staff import accounts, password_links

    municipality = accounts.find_organisation(organisation)
    if municipality is None:
        raise click.BadParameter(f"no municipality {organisation!r}", param_hint="--organisation")
    chosen_team = None
    if team:
        chosen_team = next((t for t in municipality.teams if t.name.lower() == team.lower()), None)
        if chosen_team is None:
            names = ", ".join(t.name for t in municipality.teams) or "none"
            raise click.BadParameter(
                f"no team {team!r} in {municipality.name} (teams: {names})", param_hint="--team"
            )
    password = None
    if not link:
        minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = accounts.password_problem(
            password, minimum, [email, name, municipality.name, municipality.code]
        )
        if problem:
            raise click.ClickException(
                f"password refused ({problem}): use at least {minimum} characters, not a "
                "common password or pattern, nor your name, e-mail or municipality"
            )
    try:
        user = accounts.create_user(
            "cli", email, role, municipality, chosen_team, name, password=password
        )
    except accounts.AccountError as error:
        raise click.ClickException(
            {
                "email_taken": f"a user with the e-mail address {email} already exists",
                "email_missing": "the e-mail address is empty",
                "email_invalid": f"{email!r} is not a valid e-mail address",
            }.get(error.code, error.code)
        ) from None
    click.echo(f"Created {user.role} {user.email} in {municipality.name}.")
    if link:
        hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
        click.echo(f"One-time set-password link (valid {hours} hours):")
        click.echo(password_links.password_link(user))


@staff.command("password-link")
@click.option("--email", required=True, help="The user's e-mail address.")
def staff_password_link(email: str) -> None:
    """Print a one-time set-password link for an existing user (e.g. a locked-out admin)."""
    from . import audit
    from .staff import accounts, password_links

    user = accounts.find_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user {email}")
    audit.record("cli", "user.password_link", f"staff:{user.id}")
    db.session.commit()
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    click.echo(f"One-time set-password link for {user.email} (valid {hours} hours):")
    click.echo(password_links.password_link(user))


@staff.command("reset-mfa")
@click.option("--email", required=True, help="The user's e-mail address.")
def staff_reset_mfa(email: str) -> None:
    """Forget a user's authenticator and recovery codes (a lost phone): they set up a new one
    at their next login. Ends the user's sessions."""
    from .staff import accounts, mfa

    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    mfa.reset(user, "cli")
    click.echo(f"The second factor of {user.email} is reset; they enrol again at the next login.")


@click.command("send-reminders")
@with_appcontext
@click.option("--limit", type=click.IntRange(1), default=None, help="Send at most this many.")
def send_reminders_command(limit: int | None) -> None:
    """Send due reminders (PORTAL_REMINDER_MAX, PORTAL_REMINDER_INTERVAL_DAYS). Safe to rerun."""
    from .staff.followup import send_reminders

    run = send_reminders(limit=limit)
    click.echo(f"Reminders sent: {run.sent}, failed: {run.failed}.")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete what is past its retention: contact details, abandoned drafts, consent records
    and invitations (portal/retention.py); says what it deleted."""
    from .retention import purge

    for line in purge().lines():
        click.echo(line)


responses_group = AppGroup("responses", help="Pending submissions and their mixed batches.")


@responses_group.command("flush")
@click.option("--force", is_flag=True,
              help="Release whatever waits, even below PORTAL_MIX_MIN_BATCH (says so).")
def flush_responses_command(force: bool) -> None:
    """Release pending submissions into the response table in one mixed batch, if one is due.

    Run it from a timer (docs/deployment.md); safe to run twice at once."""
    from . import mixing

    result = mixing.flush(scheduled=True, force=force)
    if result.flushed:
        click.echo(f"Released {result.flushed} responses in one mixed batch"
                   + (" (below the minimum: timeout or --force)." if result.forced else "."))
    else:
        click.echo(f"Nothing released: {result.waiting} submissions waiting "
                   f"(a batch needs {mixing.minimum()}).")
    if not result.scrubbed:
        click.echo("The write-ahead log could not be truncated (busy); the next run retries.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo municipalities, teams and responses, once; running it again changes nothing.
    Development only: in production it would write synthetic answers into the real store."""
    from .demo import load_demo, load_demo_responses

    if current_app.config["ENV"] not in ("development", "testing"):
        raise click.ClickException(
            f"'flask demo' runs only with PORTAL_ENV=development (this is "
            f"{current_app.config['ENV']}): it writes synthetic responses and demo "
            "municipalities. Set up a municipality with 'flask municipality add' "
            "(docs/deployment.md)."
        )

    if load_demo(responses=False):
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present.")
    # Responses separately: a store that has organisations but no answers yet still gets them.
    count = load_demo_responses()
    if count:
        click.echo(f"{count} synthetic demo responses loaded.")
    if current_app.config["ENV"] == "development":
        from .demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, load_demo_staff
        from .staff.mfa import grouped

        load_demo_staff()
        base = current_app.config["BASE_URL"]
        click.echo(f"Demo logins at {base}/staff/ (password {DEMO_PASSWORD}):")
        for email, role, *_ in DEMO_USERS:
            click.echo(f"  {role:15} {email}")
        click.echo(
            f"Every login also asks for a code. Add this key to an authenticator app once "
            f"(time-based, 6 digits): {grouped(DEMO_TOTP_SECRET)}\n"
            f"  or get a code with: oathtool --totp -b {DEMO_TOTP_SECRET}"
        )


def init_app(app: Flask) -> None:
    app.cli.add_command(invitations)
    app.cli.add_command(demo_command)
    from .evaluation.cli import export_command, releases_group

    app.cli.add_command(export_command)
    app.cli.add_command(releases_group)
    app.cli.add_command(staff)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(responses_group)
    from .staff.sso.cli import sso_command

    app.cli.add_command(sso_command)
    from .setup_cli import municipality_group, team_group

    app.cli.add_command(municipality_group)
    app.cli.add_command(team_group)
