"""The translator's preview: every parent page in a chosen language, without a link, for staff
with a reviewing role; sample data only."""

from __future__ import annotations

import re

import pytest

from portal.config import PARENT_LANGUAGES
from portal.extensions import db
from portal.models.personal import ConsentRecord, Invitation
from portal.models.responses import Response

from .test_translations import _english_patterns
from .translation_helpers import catalogue, visible_text

_HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


def _slugs(staff, lang: str) -> list[str]:
    index = staff.get(f"/staff/translations?lang={lang}")
    assert index.status_code == 200
    return re.findall(rf'href="/staff/translations/{lang}/([\w-]+)"', staff.page_html)


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.query(Invitation).count(),
            db.session.query(ConsentRecord).count(),
            db.session.query(Response).count(),
        )


@pytest.mark.parametrize("lang", ["ar", "ti", "pl"])
def test_a_coordinator_sees_every_parent_page_in_the_chosen_language(app, staff_as, lang):
    staff = staff_as("coordinator")
    before = _counts(app)
    slugs = _slugs(staff, lang)
    # Language picker, consent, declined, each page of each questionnaire with and without its
    # errors, thanks, five link problems, the error pages, and the messages.
    assert len(slugs) > 40
    assert {"consent", "3-years-1", "cos-p-1-errors", "link-revoked", "messages"} <= set(slugs)
    patterns = _english_patterns()
    for slug in slugs:
        response = staff.get(f"/staff/translations/{lang}/{slug}")
        assert response.status_code == 200, slug
        html = response.get_data(as_text=True)
        if slug == "messages":
            assert f'lang="{lang}"' in html
            continue
        expected_dir = "rtl" if lang == "ar" else "ltr"
        assert _HTML_TAG.search(html).groups() == (lang, expected_dir), slug
        text = visible_text(html)
        leaks = [msgid for msgid, pattern in patterns if pattern.search(text)]
        assert not leaks, (slug, leaks[:3])
    # Nothing was created: no invitation, no consent, no response.
    assert _counts(app) == before


def test_every_follow_up_question_is_shown_and_errors_are_real(app, staff_as):
    staff = staff_as("coordinator")
    definition = app.extensions["questionnaires"].current("18-months")
    follow_ups = [q for q in definition.questions if q.show_if]
    assert follow_ups
    shown = "".join(
        staff.get(f"/staff/translations/pl/18-months-{n}").get_data(as_text=True)
        for n in range(1, len(definition.pages) + 1)
    )
    for question in follow_ups:
        assert f'id="q-{question.id}"' in shown, question.id
    errors = staff.get("/staff/translations/pl/18-months-1-errors").get_data(as_text=True)
    assert catalogue("pl")["Please answer this question."].string in errors


def test_the_preview_shows_no_personal_data_and_says_it_is_a_preview(app, staff_as):
    staff = staff_as("coordinator")
    page = staff.get("/staff/translations/da/consent")
    html = page.get_data(as_text=True)
    assert "Forhåndsvisning" in html  # the banner, in the staff member's own language
    assert staff.email not in html
    assert page.headers["Cache-Control"].startswith("no-store")
    messages = staff.get("/staff/translations/ur/messages").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in messages
    assert "COS-P" in messages


@pytest.mark.parametrize("role", ["health_visitor", "evaluator"])
def test_other_roles_may_not_preview(app, staff_as, role):
    """Fails when PREVIEW_ROLES lets health visitors and evaluators in (checked by hand)."""
    staff = staff_as(role)
    assert staff.get("/staff/translations").status_code == 403
    assert staff.get("/staff/translations/ar/consent").status_code == 403


def test_unknown_language_or_page_is_404(app, staff_as):
    staff = staff_as("admin")
    assert staff.get("/staff/translations/xx/consent").status_code == 404
    assert staff.get("/staff/translations/da/no-such-page").status_code == 404
    assert staff.get("/staff/translations?lang=xx").status_code == 200


def test_not_logged_in_is_sent_to_the_login(app, client):
    response = client.get("/staff/translations/ar/consent")
    assert response.status_code in (302, 303, 401)


def test_the_index_lists_each_language_with_who_reviewed_it(app, staff_as):
    staff = staff_as("admin")
    staff.get("/staff/translations")
    for lang in PARENT_LANGUAGES:
        assert f'lang="{lang}"' in staff.page_html
    assert "2026-12-01" in staff.page_html
