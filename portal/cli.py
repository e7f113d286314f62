"""Command-line commands: ``flask --app portal invitations create``, ``demo`` and friends."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import links
from .extensions import db
from .models.personal import AuditEvent, Invitation, Municipality

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
            f"no municipality {code!r}" if code else "no municipality yet: run 'flask demo' first"
        )
    definition = registry.current(key)
    issued = links.issue_link(
        key, definition.version, language, municipality, channel="cli", lifetime_days=days
    )
    db.session.flush()
    subject = f"invitation:{issued.invitation.id}"
    db.session.add(AuditEvent(actor="cli", action="invitation.created", subject=subject))
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
    db.session.add(
        AuditEvent(actor="cli", action="invitation.revoked", subject=f"invitation:{invitation.id}")
    )
    db.session.commit()
    click.echo(f"Invitation {invitation.id} revoked.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo municipalities, teams and responses, once; running it again changes nothing."""
    from .demo import load_demo, load_demo_responses

    if load_demo(responses=False):
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present.")
    # Responses separately: a store that has organisations but no answers yet still gets them.
    count = load_demo_responses()
    if count:
        click.echo(f"{count} synthetic demo responses loaded.")


def init_app(app: Flask) -> None:
    app.cli.add_command(invitations)
    app.cli.add_command(demo_command)
    from .evaluation.cli import export_command

    app.cli.add_command(export_command)
