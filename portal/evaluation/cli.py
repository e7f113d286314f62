"""``flask --app portal export``: the same files the evaluation pages offer."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db
from ..models.personal import Municipality
from .dataset import plan_export
from .export import file_name, record_export, stream_export
from .filters import FORMATS, validate_filters

_PARAM_HINTS = {
    "questionnaire": "--questionnaire",
    "version": "--version",
    "period_from": "--from",
    "period_to": "--to",
    "municipality": "--municipality",
}


def municipality_codes() -> list[str]:
    return list(db.session.execute(db.select(Municipality.code)).scalars())


@click.command("export")
@click.option("--questionnaire", "key", required=True, help="18-months, 3-years or cos-p.")
@click.option("--version", default=None, help="Questionnaire version (default: current).")
@click.option("--from", "period_from", default=None, help="First month, YYYY-MM.")
@click.option("--to", "period_to", default=None, help="Last month, YYYY-MM.")
@click.option("--municipality", default=None, help="Municipality code, e.g. 0240.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="File to write ('-' for standard output; default: a name from the filters).",
)
@with_appcontext
def export_command(
    key: str,
    version: str | None,
    period_from: str | None,
    period_to: str | None,
    municipality: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Write an anonymised export (disclosure control applied) and log it."""
    # Outside a request there is no parent or staff locale: messages and notes are Danish.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        filters, errors = validate_filters(
            current_app.extensions["questionnaires"],
            municipality_codes(),
            questionnaire=key,
            version=version,
            period_from=period_from,
            period_to=period_to,
            municipality=municipality,
        )
        if filters is None:
            field, message = next(iter(errors.items()))
            raise click.BadParameter(message, param_hint=_PARAM_HINTS[field])
        if output not in (None, "-") and not Path(output).resolve().parent.is_dir():
            # Checked before the export is logged, so a typo leaves no audit event behind.
            raise click.BadParameter(
                f"the folder {Path(output).parent} does not exist", param_hint="--output"
            )
        plan = plan_export(filters)
        record_export(plan, fmt, actor="cli")
        target = output or file_name(plan, fmt)
        if target == "-":
            with click.open_file("-", "wb") as stdout:
                for chunk in stream_export(plan, fmt):
                    stdout.write(chunk)
            return
        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as handle:
            for chunk in stream_export(plan, fmt):
                handle.write(chunk)
        partial.replace(path)
    g = plan.generalisation
    click.echo(
        f"Wrote {path} ({fmt}): {plan.row_count} responses, periods as {g.period_level}"
        + (f", {g.suppressed} left out" if g.suppressed else ""),
        err=True,
    )


@click.group("releases")
def releases_group() -> None:
    """Evaluation releases: build (scheduled, e.g. monthly from cron) and list."""


@releases_group.command("build")
@click.option("--length", type=click.Choice(["auto", "quarter", "half", "year"]), default="auto",
              show_default=True, help="Period length; auto keeps small municipalities apart "
              "where the numbers allow.")
@click.option("--until", default=None, help="Last month a release may cover (YYYY-MM); "
              "default: last month.")
@with_appcontext
def build_command(length: str, until: str | None) -> None:
    """Build every due release (periods that have ended and are not released yet)."""
    from . import releases

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            built = releases.build_due(actor="cli", until=until, length=length)
        except releases.ReleaseError as error:
            raise click.ClickException(str(error)) from error
    for release in built:
        click.echo(
            f"{release.questionnaire_key} v{release.questionnaire_version} {release.label}: "
            f"{release.rows} rows, smallest group {release.report['smallest_group']}, "
            f"{release.report['suppressed']} left out"
        )
    if not built:
        click.echo("No release was due.")


@releases_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every release: questionnaire, version, period, rows, id."""
    from . import releases

    for release in releases.all_releases():
        click.echo(
            f"{release.questionnaire_key} v{release.questionnaire_version} {release.label} "
            f"{release.rows} rows {release.id}"
        )
