"""axe-core on every parent page in every parent language, and on every staff and evaluation
page in both staff languages: zero WCAG 2.1 A and AA violations.

Parents: language choice, consent, declined, every question page of every questionnaire (with
every follow-up shown, and the error state of a first page), thanks, each link problem, the
no-link page, the municipality chooser, the accessibility statement, the privacy notice and
the card's short-code form (and its error). Staff: login (and its error), the invite form (and
its error), the SMS preview, the QR page and the printable card, invitations list and detail,
the revoke confirmation, municipality settings (and their error), users list/new/edit, a
refused page, a spent password link; evaluation: export form (and its error), rates, answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from portal import links
from portal.evaluation import releases
from portal.extensions import db
from portal.i18n import NATIVE_NAMES, STAFF_LANGUAGES
from portal.models.personal import Invitation, InvitationStatus
from portal.timeutil import utcnow

from ..conftest import STAFF_PASSWORD, create_link, make_staff
from ..evaluation_data import ANSWERS_18, add_responses
from .axe import AXE_JS, Scan, require_axe, violations
from .conftest import PHONE
from .pages import ParentPages, StaffPages, path_of, valid_answers

pytestmark = pytest.mark.browser

PARENT_LANGUAGES = list(NATIVE_NAMES)


@pytest.fixture
def scan_page(browser: Any) -> Iterator[Any]:
    """A page factory: contexts that let axe's script in despite the CSP, in a given locale."""
    require_axe()
    contexts: list[Any] = []

    def new(locale: str, **options: Any) -> Any:
        context = browser.new_context(bypass_csp=True, locale=locale, **options)
        # Loaded into every page as it opens: sent to the browser once, not once per scan.
        context.add_init_script(path=str(AXE_JS))
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def _with_invitation(app: Flask, invitation_id: int, change: Any) -> None:
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        change(invitation)
        db.session.commit()


def _expire(invitation: Invitation) -> None:
    invitation.expires_at = utcnow() - timedelta(days=1)


def _complete(invitation: Invitation) -> None:
    invitation.set_status(InvitationStatus.COMPLETED)


def _forget(invitation: Invitation) -> None:
    db.session.delete(invitation)


_CHOOSE = """answers => {
  for (const [name, value] of Object.entries(answers)) {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    for (const input of document.querySelectorAll(`[name="${name}"]`)) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = values.includes(input.value);
      } else {
        input.value = values[0];
      }
      input.dispatchEvent(new Event("change", {bubbles: true}));
    }
  }
}"""


def _choose(page: Any, shown: Any, answers: dict[str, Any]) -> None:
    """Fill a whole page in one step (the journeys answer like a person; this only needs the
    page filled, with its follow-ups revealed, to scan it)."""
    page.evaluate(_CHOOSE, {q.id: answers[q.id] for q in shown.questions})


@pytest.mark.parametrize("language", PARENT_LANGUAGES)
def test_parent_pages_have_no_wcag_violations(
    module_app: Flask, module_server: str, scan_page: Any, language: str
):
    app, base = module_app, module_server
    scan = Scan()
    page = scan_page(language, viewport=PHONE)

    # Pages without a usable link, in the browser's language or the invitation's.
    page.goto(f"{base}/s/consent")
    assert page.get_attribute("html", "lang") == language
    scan.check(page, "no link")
    page.goto(f"{base}/s/accessibility")
    scan.check(page, "choose a municipality")
    page.goto(f"{base}/s/accessibility?m=0240")
    scan.check(page, "accessibility statement")
    page.goto(f"{base}/s/privacy?m=0101")
    scan.check(page, "privacy notice")
    page.goto(f"{base}/s/this-is-not-a-link")
    scan.check(page, "link problem: tampered")
    page.goto(f"{base}/k")
    scan.check(page, "short code form")
    page.locator('input[name="code"]').fill("4K7Q")
    with page.expect_navigation():
        page.locator("form button.primary").click()
    scan.check(page, "short code form with error")
    for problem, change in (
        ("unknown", _forget),
        ("expired", _expire),
        ("revoked", links.revoke),
        ("used", _complete),
    ):
        invitation_id, token = create_link(app, "18-months", language)
        _with_invitation(app, invitation_id, change)
        page.goto(f"{base}/s/{token}")
        assert page.get_attribute("html", "lang") == language, problem
        scan.check(page, f"link problem: {problem}")

    # Declined.
    parent = ParentPages(page, base)
    _, token = create_link(app, "18-months", language)
    parent.open_link(token)
    parent.choose_language(language)
    parent.consent(False)
    assert path_of(page) == "/s/declined"
    scan.check(page, "declined")

    # The same link on another phone (no draft key): the kind "another device" page.
    _, token = create_link(app, "18-months", language)
    parent.open_link(token)
    parent.choose_language(language)
    parent.consent(True)
    page.context.clear_cookies()
    parent.open_link(token)
    parent.choose_language(language)
    assert page.locator("h1").count() == 1
    scan.check(page, "answered on another device")

    registry = app.extensions["questionnaires"]
    for key in sorted({definition.key for definition in registry}):
        definition = registry.current(key)
        _, token = create_link(app, key, language)
        parent.open_link(token)
        scan.check(page, f"{key}: language")
        parent.choose_language(language)
        scan.check(page, f"{key}: consent")
        parent.consent(True)
        # The error state: the first page sent without its required answers.
        if any(q.required for q in definition.pages[0].questions):
            parent.press("next")
            assert page.locator(".error-summary").count() == 1
            scan.check(page, f"{key}: page 1 with errors")
        answers = valid_answers(definition)
        for _ in range(len(definition.pages)):
            number = parent.page_number()
            _choose(page, definition.pages[number - 1], answers)
            scan.check(page, f"{key}: page {number}")
            if parent.is_last_page():
                parent.press("submit")
                break
            parent.press("next")
        assert parent.at_thanks()
        scan.check(page, f"{key}: thanks")
    scan.assert_clean()


@pytest.fixture(scope="module")
def evaluation_responses(module_app: Flask) -> None:
    """Responses for the rates and answers pages to show."""
    add_responses(module_app, 12, period="2026-03",
                  answers={**ANSWERS_18, "comments": "Tak til Mette Hansen fra Læsø"})
    add_responses(module_app, 6, questionnaire="3-years", answers={"interp_needed": 0})
    with module_app.app_context():
        releases.build_release("18-months", 1, "2026-01", "quarter", actor="cli")


@pytest.fixture
def staff_data(module_app: Flask, evaluation_responses: None) -> dict[str, Any]:
    """Fresh staff users for each test: an authenticator code is accepted only once, so two
    logins in the same half minute must be by different users."""
    _, coordinator = make_staff(module_app, "coordinator")
    health_visitor_id, health_visitor = make_staff(module_app, "health_visitor")
    return {
        "coordinator": coordinator,
        "health_visitor": health_visitor,
        "health_visitor_id": health_visitor_id,
    }


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
def test_staff_and_evaluation_pages_have_no_wcag_violations(
    module_app: Flask, module_server: str, scan_page: Any, staff_data: dict[str, Any],
    language: str,
):
    base = module_server
    scan = Scan()
    page = scan_page(language, viewport={"width": 1024, "height": 900})
    staff = StaffPages(page, base)

    page.goto(f"{base}/staff/login")
    assert page.get_attribute("html", "lang") == language
    scan.check(page, "login")
    page.locator('input[name="email"]').fill(staff_data["coordinator"])
    page.locator('input[name="password"]').fill("wrong password")
    with page.expect_navigation():
        page.locator("form button.primary").click()
    scan.check(page, "login with error")
    page.goto(f"{base}/staff/set-password/not-a-valid-link")
    scan.check(page, "spent password link")

    # With multi-factor login, the page that asks for the authenticator code is scanned too.
    staff.login(staff_data["coordinator"], STAFF_PASSWORD, lambda p: scan.check(p, "login code"))
    scan.check(page, "home")
    staff.open_invite_form()
    scan.check(page, "invite form")
    staff.invite("18-months", "ar", "sms", "not a phone number")
    assert page.locator(".error-summary").count() == 1
    scan.check(page, "invite form with error")
    staff.invite("18-months", "ar", "sms", "20 12 34 56")
    scan.check(page, "invite preview (SMS)")
    with page.expect_navigation():
        page.locator('button[name="action"][value="send"]').click()
    assert "/staff/invitations/" in page.url
    scan.check(page, "invitation detail after sending (SMS)")
    staff.invite_by_qr("3-years", "so")
    assert staff.qr_image_width() > 0
    scan.check(page, "QR page")
    staff.open_card()
    scan.check(page, "printable card")
    page.goto(f"{base}/staff/invitations")
    scan.check(page, "invitation list")
    page.locator('a[href*="/staff/invitations/"]').first.click()
    page.wait_for_load_state()
    assert "/staff/invitations/" in page.url
    scan.check(page, "invitation detail")
    page.goto(page.url + "/confirm-revoke")
    scan.check(page, "revoke confirmation")
    page.goto(f"{base}/staff/municipalities")
    scan.check(page, "municipality settings")
    page.locator('input[name="dpo_email"]').fill("not an address")
    with page.expect_navigation():
        page.locator("form button.primary").first.click()
    assert page.locator(".error-summary").count() == 1
    scan.check(page, "municipality settings with error")
    page.goto(f"{base}/staff/users")
    scan.check(page, "users list")
    page.goto(f"{base}/staff/users/new")
    scan.check(page, "new user")
    with page.expect_navigation():
        page.locator("form button.primary").click()
    assert page.locator(".error-summary").count() == 1
    scan.check(page, "new user with errors")
    page.goto(f"{base}/staff/users/{staff_data['health_visitor_id']}")
    scan.check(page, "edit user")
    with page.expect_navigation():
        page.locator('form[action$="/password-link"] button').click()
    scan.check(page, "set-password link made")
    page.goto(page.locator(".link-text").inner_text().strip())
    assert page.locator('input[type="password"]').count() >= 1
    scan.check(page, "set a password")

    page.goto(f"{base}/evaluation/")
    scan.check(page, "evaluation: releases")
    page.goto(f"{base}/evaluation/rates")
    scan.check(page, "evaluation: rates")
    page.goto(f"{base}/evaluation/answers")
    scan.check(page, "evaluation: answers")
    page.goto(f"{base}/evaluation/answers?language=ar")
    assert page.locator(".error-summary").count() == 1
    scan.check(page, "evaluation: answers with a refused filter")
    _, reviewer = make_staff(module_app, "reviewer")
    reviewing = StaffPages(scan_page(language, viewport=PHONE), base)
    reviewing.login(reviewer, STAFF_PASSWORD)
    reviewing.page.goto(f"{base}/evaluation/review")
    assert reviewing.page.locator("#review-text").count() == 1
    scan.check(reviewing.page, "evaluation: free-text review")

    # With multi-factor login, a first login sets up the authenticator app: scan those pages.
    if "mfa" in inspect.signature(make_staff).parameters:
        _, newcomer = make_staff(module_app, "health_visitor", mfa=False)
        first = StaffPages(scan_page(language, viewport=PHONE), base)
        first.login(newcomer, STAFF_PASSWORD, lambda p: scan.check(p, f"first login {p.url}"))

    # A health visitor sent to a page for coordinators: the refusal page.
    other = StaffPages(scan_page(language, viewport=PHONE), base)
    other.login(staff_data["health_visitor"], STAFF_PASSWORD)
    scan.check(other.page, "health visitor home")
    other.page.goto(f"{base}/staff/users")
    scan.check(other.page, "refused (403)")
    scan.assert_clean()


def test_the_scan_finds_violations_where_there_are_some(scan_page: Any):
    """A clean result means something: the same scan flags a page built to fail."""
    page = scan_page("da")
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {violation["id"] for violation in violations(page)}
    assert {"html-has-lang", "image-alt", "label"} <= found
