"""Set-up commands: ``flask municipality add|change|show|list`` and ``flask team add|rename``.

With ``flask staff create --role admin`` (portal/cli.py) they take a fresh production install
from empty databases to its first invitation (docs/deployment.md).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import municipalities
from .models.personal import Municipality

municipality_group = AppGroup("municipality", help="Municipalities and their settings.")
team_group = AppGroup("team", help="Teams within a municipality.")

_ERRORS = {
    "code_invalid": "the code must be the official four digits (e.g. 0240)",
    "code_taken": "a municipality with that code exists already",
    "missing": "must not be empty",
    "too_long": "is too long",
    "team_taken": "a team with that name exists already in this municipality",
    "sms_sender_invalid": "at most 11 letters (A-Z, no æøå), digits and spaces",
    "email_invalid": "is not a valid e-mail address",
    "phone_invalid": "is not a phone number",
    "date_invalid": "must be a date as YYYY-MM-DD",
    "legal_basis_invalid": f"choose one of {', '.join(municipalities.LEGAL_BASES)}",
}

#: Command-line option for each setting (``--sms-sender`` for ``sms_sender``).
_OPTIONS = {field: "--" + field.replace("_", "-") for field in municipalities.SETTINGS}


def _fail(error: municipalities.SetupError) -> click.ClickException:
    where = _OPTIONS.get(error.field or "", f"--{error.field}") if error.field else ""
    return click.ClickException(f"{where} {_ERRORS.get(error.code, error.code)}".strip())


def _municipality(code: str) -> Municipality:
    found = municipalities.find(code)
    if found is None:
        known = ", ".join(f"{m.code} {m.name}" for m in municipalities.all_municipalities())
        raise click.ClickException(f"no municipality {code!r} (there are: {known or 'none'})")
    return found


def _setting_options(command):
    for field in reversed(municipalities.SETTINGS):
        if field == "legal_basis":
            option = click.option(
                _OPTIONS[field], field, type=click.Choice(municipalities.LEGAL_BASES),
                default=None, help="GDPR legal basis: consent (art. 6(1)(a)) or public_task "
                "(art. 6(1)(e), with consent as an ethical layer).",
            )
        else:
            option = click.option(
                _OPTIONS[field], field, default=None,
                help=f"Set {field.replace('_', ' ')} (an empty value clears it).",
            )
        command = option(command)
    return command


def _show(municipality: Municipality) -> None:
    click.echo(f"{municipality.code} {municipality.name}")
    for field, value in municipalities.current_values(municipality).items():
        if field != "name":
            click.echo(f"  {_OPTIONS[field][2:]:26} {value if value is not None else '-'}")
    click.echo(f"  {'consent version':26} {municipality.consent_version}")
    click.echo(f"  {'teams':26} {', '.join(t.name for t in municipality.teams) or '-'}")
    missing = municipalities.missing_settings(municipality)
    if missing:
        click.echo(
            "  Not set yet (parents' texts leave them out): "
            + ", ".join(_OPTIONS[f] for f in missing)
        )


@municipality_group.command("add")
@click.option("--code", required=True, help="The official four-digit municipality code.")
@click.option("--name", required=True, help="The name parents see, e.g. 'Egedal Kommune'.")
@_setting_options
def add_command(code: str, name: str, **settings: str | None) -> None:
    """Add a municipality, optionally with its settings."""
    try:
        municipality = municipalities.add_municipality("cli", code, name)
        given = {k: v for k, v in settings.items() if v is not None}
        if given:
            municipalities.update_settings("cli", municipality, given)
    except municipalities.SetupError as error:
        raise _fail(error) from None
    click.echo(f"Added municipality {municipality.code} {municipality.name}.")
    _show(municipality)


@municipality_group.command("change")
@click.argument("code")
@click.option("--name", default=None, help="A new name.")
@_setting_options
def change_command(code: str, name: str | None, **settings: str | None) -> None:
    """Change a municipality's name or settings (audited; a new consent version when the
    consent text changes)."""
    municipality = _municipality(code)
    before = municipality.consent_version
    try:
        given = {k: v for k, v in settings.items() if v is not None}
        changed = municipalities.change("cli", municipality, given, name=name)
    except municipalities.SetupError as error:
        raise _fail(error) from None
    if not changed:
        click.echo("Nothing changed.")
        return
    click.echo(f"Changed: {', '.join(changed)}.")
    if municipality.consent_version != before:
        click.echo(f"The consent text is now version {municipality.consent_version}.")
    _show(municipality)


@municipality_group.command("show")
@click.argument("code")
def show_command(code: str) -> None:
    """Show a municipality's settings."""
    _show(_municipality(code))


@municipality_group.command("list")
def list_command() -> None:
    """List the municipalities."""
    for municipality in municipalities.all_municipalities():
        teams = len(municipality.teams)
        click.echo(f"{municipality.code} {municipality.name} ({teams} teams)")


@team_group.command("add")
@click.option("--municipality", "code", required=True, help="Municipality code.")
@click.argument("name")
def team_add_command(code: str, name: str) -> None:
    """Add a team (e.g. 'Sundhedsplejen Nord') to a municipality."""
    municipality = _municipality(code)
    try:
        team = municipalities.add_team("cli", municipality, name)
    except municipalities.SetupError as error:
        raise _fail(error) from None
    click.echo(f"Added team {team.name} to {municipality.name}.")


@team_group.command("rename")
@click.option("--municipality", "code", required=True, help="Municipality code.")
@click.argument("name")
@click.argument("new_name")
def team_rename_command(code: str, name: str, new_name: str) -> None:
    """Rename a team."""
    municipality = _municipality(code)
    team = municipalities.find_team(municipality, name)
    if team is None:
        raise click.ClickException(f"no team {name!r} in {municipality.name}")
    try:
        municipalities.rename_team("cli", team, new_name)
    except municipalities.SetupError as error:
        raise _fail(error) from None
    click.echo(f"Renamed the team to {team.name}.")
