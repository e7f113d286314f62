"""Whole journeys in Chromium: a health visitor invites by QR, parents answer (on a phone, in
Danish, without JavaScript, with the keyboard only), an evaluator downloads the export.

Screenshots of every parent page land in test-output/screenshots/<journey>/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from portal.evaluation import releases
from portal.evaluation.columns import export_columns, header
from portal.extensions import db
from portal.models.personal import Invitation, InvitationStatus
from portal.models.responses import Response

from ..conftest import STAFF_PASSWORD, create_link, flush_responses, make_staff
from ..evaluation_data import ANSWERS_18, add_responses
from ..translation_helpers import catalogue
from .conftest import PHONE, SCREENSHOTS
from .pages import EvaluationPages, ParentPages, StaffPages, path_of, valid_answers

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def context_factory(browser: Any) -> Iterator[Any]:
    """New browser contexts (closed after the test), phone-sized unless told otherwise."""
    contexts: list[Any] = []

    def new(**options: Any) -> Any:
        settings = {
            "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def stored_responses(app: Flask) -> list[Response]:
    flush_responses(app)  # released in mixed batches (portal/mixing.py)
    with app.app_context():
        return list(db.session.execute(db.select(Response)).scalars())


def definition(app: Flask, key: str = "18-months") -> Any:
    return app.extensions["questionnaires"].current(key)


def test_a_health_visitor_invites_by_qr_and_the_parent_answers_in_danish_on_a_phone(
    app: Flask, live_server: str, context_factory: Any
):
    _, email = make_staff(app, "health_visitor")
    staff = StaffPages(context_factory(viewport=TABLET, is_mobile=False), live_server)
    staff.login(email, STAFF_PASSWORD)
    link = staff.invite_by_qr("18-months", "da")
    assert link.startswith(f"{live_server}/s/")
    # The code is an image the browser could load and draw, at a size a phone camera reads.
    assert staff.qr_image_width() > 0
    assert staff.page.locator(".qr img").bounding_box()["width"] >= 200

    parent = ParentPages(context_factory(), live_server, journey="da-phone-qr")
    parent.open_link(link)
    assert parent.page.get_attribute("html", "lang") == "da"
    # The invitation's language is already chosen.
    assert parent.page.locator('input[name="language"][value="da"]').is_checked()
    parent.choose_language("da")
    parent.consent(True)
    questionnaire = definition(app)
    answers = parent.answer_all(questionnaire)
    assert parent.at_thanks()
    assert parent.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    parent.shot("thanks")

    stored = stored_responses(app)
    assert len(stored) == 1
    assert stored[0].language == "da"
    assert stored[0].questionnaire_key == "18-months"
    for question in questionnaire.questions:
        assert stored[0].answers[question.id] == answers[question.id], question.id
    # The health visitor's list shows the invitation as answered.
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert invitation.status == InvitationStatus.COMPLETED
        assert invitation.channel == "qr"


def test_without_javascript_the_follow_up_question_stays_visible_with_its_hint(
    app: Flask, live_server: str, browser: Any
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        _, token = create_link(app, "18-months", language="da")
        parent = ParentPages(page, live_server, journey="da-no-javascript")
        parent.start(token, "da")
        questionnaire = definition(app)
        answers = valid_answers(questionnaire)
        # Choose "no interpreter needed": without JavaScript the follow-up is still shown,
        # with the hint that says when to answer it.
        answers["interp_needed"] = 0
        answers["interp_avail"] = 2
        for _ in range(2):
            parent.answer_current_page(questionnaire, answers)
            parent.shot(f"page-{parent.page_number()}")
            parent.press("next")
        follow_up = page.locator("#q-interp_avail")
        assert follow_up.is_visible()
        hint = follow_up.locator(".hint.condition")
        assert hint.is_visible()
        yes = questionnaire.question("interp_needed").options[0].label
        assert catalogue("da")[yes].string in hint.inner_text()
        parent.answer_all(questionnaire, answers)
        assert parent.at_thanks()
        parent.shot("thanks")
    finally:
        context.close()

    stored = stored_responses(app)
    assert len(stored) == 1
    assert stored[0].answers["interp_needed"] == 0
    # A follow-up answered while its condition does not hold is not kept.
    assert "interp_avail" not in stored[0].answers


def test_a_parent_answers_with_the_keyboard_only(
    app: Flask, live_server: str, context_factory: Any
):
    """Tab to each answer, Space to choose it, Enter on the button: never a click."""
    _, token = create_link(app, "3-years", language="en")
    page = context_factory(viewport={"width": 1024, "height": 800}, is_mobile=False,
                           has_touch=False)
    parent = ParentPages(page, live_server, journey="en-keyboard")
    page.goto(f"{live_server}/s/{token}")
    # Language page: the invitation's language is chosen; Tab to Continue and press Enter.
    assert path_of(page) == "/s/language"
    parent.shot("language")
    _tab_to(page, "button.primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == "/s/consent"
    parent.shot("consent")
    _tab_to(page, 'button[name="yes"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")

    for _ in range(10):
        if parent.at_thanks():
            break
        parent.shot(f"page-{parent.page_number()}")
        _answer_page_by_keyboard(page)
    assert parent.at_thanks()
    parent.shot("thanks")
    stored = stored_responses(app)
    assert len(stored) == 1
    assert stored[0].questionnaire_key == "3-years"
    # Every question a keyboard user could reach was answered.
    shown = [q for q in definition(app, "3-years").questions if q.is_visible(stored[0].answers)]
    assert all(q.id in stored[0].answers for q in shown)


_FOCUS = """() => { const el = document.activeElement;
  return el ? {tag: el.tagName, type: el.type || "", name: el.name || "", value: el.value || "",
               checked: !!el.checked, action: el.getAttribute("value") || "",
               outline: getComputedStyle(el).outlineStyle} : null; }"""


def _tab_to(page: Any, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _answer_page_by_keyboard(page: Any) -> None:
    """Tab through the page: choose the first answer of each question with Space, type in the
    boxes, and press Enter on Next / Send answers."""
    start = page.url
    answered: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS)
        assert focus, "focus was lost"
        # The keyboard user can see where they are (WCAG 2.4.7).
        assert focus["outline"] != "none", focus
        if focus["type"] in ("radio", "checkbox"):
            if focus["name"] not in answered and not focus["checked"]:
                page.keyboard.press("Space")
            answered.add(focus["name"])
        elif focus["tag"] == "TEXTAREA" and not focus["value"]:
            page.keyboard.type("Thank you")
        elif focus["tag"] == "INPUT" and focus["type"] == "text" and not focus["value"]:
            page.keyboard.type("3")
        elif focus["tag"] == "BUTTON" and focus["action"] in ("next", "submit"):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.url != start or page.locator(".error-summary").count() == 0
            return
    raise AssertionError(f"Tab never reached the button on {start}")


def test_an_evaluator_downloads_a_release_and_it_reads_back(
    app: Flask, live_server: str, context_factory: Any
):
    add_responses(app, 7, period="2026-03")
    add_responses(app, 5, period="2026-02", language="en")
    add_responses(app, 4, questionnaire="3-years", answers={"interp_needed": 0})
    with app.app_context():
        releases.build_release("18-months", 1, "2026-01", "quarter", actor="cli")
        expected_columns = header(export_columns(app.extensions["questionnaires"].get(
            "18-months", 1)))
    _, email = make_staff(app, "evaluator", team_index=None)
    page = context_factory(viewport={"width": 1280, "height": 900}, is_mobile=False,
                           has_touch=False, accept_downloads=True)
    StaffPages(page, live_server).login(email, STAFF_PASSWORD)
    assert path_of(page) == "/evaluation/"
    evaluation = EvaluationPages(page, live_server)
    body = evaluation.download(keep_as=SCREENSHOTS.parent / "downloads" / "release.csv")
    again = evaluation.download()
    assert body == again  # frozen: the same bytes every time
    rows = evaluation.read_csv(body)
    # One row per 18-months response, none of the 3-years ones; the columns the codebook names.
    assert len(rows) == 12
    assert list(rows[0].keys()) == expected_columns
    answers = [row["visit_useful"] for row in rows]
    assert answers == ["4"] * 12


def test_a_reviewer_decides_on_free_text_and_only_approved_text_is_released(
    app: Flask, live_server: str, context_factory: Any
):
    add_responses(app, 3, period="2026-02",
                  answers={**ANSWERS_18, "comments": "Tak til Mette Hansen, vi kommer fra Læsø"})
    add_responses(app, 3, period="2026-02", answers={**ANSWERS_18, "comments": "Fint besøg"})
    _, email = make_staff(app, "reviewer", team_index=None)
    page = context_factory(viewport=PHONE)
    StaffPages(page, live_server).login(email, STAFF_PASSWORD)
    page.goto(f"{live_server}/evaluation/review")
    decided = {"approve": 0, "redact": 0, "withhold": 0}
    for turn in range(6):
        text = page.locator("#review-text").inner_text()
        # Masked before anyone reads it, and nothing else of the response is on the screen.
        assert "Mette" not in text and "Hansen" not in text
        body = page.locator("main").inner_text()
        assert "0240" not in body and "Egedal" not in body and "2026" not in body
        if "Læsø" in text and decided["redact"] == 0:
            page.get_by_label("Læsø").check()
            decision = "redact"
        elif "Fint" in text and decided["withhold"] == 0:
            decision = "withhold"
        else:
            decision = "approve"
        with page.expect_navigation():
            page.locator(f'button[name="decision"][value="{decision}"]').click()
        decided[decision] += 1
        assert page.locator(".notice").count() == 1, turn
    assert page.locator(".review-form").count() == 0  # nothing left waiting
    assert decided["redact"] == 1 and decided["withhold"] == 1
    with app.app_context():
        release = releases.build_release("18-months", 1, "2026-01", "quarter", actor="cli")
        data = releases.get_file(release, "responses.csv").content.decode()
        assert release.report["text_withheld"] == 1 and release.report["text_pending"] == 0
    assert "Mette" not in data and "[name]" in data
    assert data.count("Læsø") == 2 and "[redacted]" in data
    assert data.count("Fint besøg") == 2
