"""A health visitor's day on a tablet and a phone, and parents at 200 % text on a 360 px phone.

Screenshots land in test-output/screenshots/daily/ (board, invite form, preview, card, at
tablet and phone widths) and test-output/screenshots/large-text-<lang>/ (every parent page).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models.personal import StaffUser
from portal.staff import invitations

from ..conftest import STAFF_PASSWORD, create_link, make_staff
from ..test_staff_invite import token_in
from .conftest import PHONE, SCREENSHOTS, screenshot
from .pages import ParentPages, StaffPages, path_of, valid_answers

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}
#: Chromium's default text size is 16 px: 200 % is 32 px, as a phone's "large text" setting.
LARGE_TEXT = {"standard": 32, "fixed": 26, "sansSerif": 32, "serif": 32}


@pytest.fixture
def context_factory(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def new(**options: Any) -> Any:
        # A Danish health visitor's (and a Danish phone's) browser.
        settings = {
            "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
            "locale": "da-DK", **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> None:
    screenshot(page, f"daily/{name}")


def no_sideways_scroll(page: Any) -> None:
    """Nothing wider than the screen. A phone browser zooms a too-wide page out rather than
    scroll it (its window then grows past the screen), so both are compared with the screen."""
    screen = page.viewport_size["width"]
    width, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate(f"""[...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > {screen} + 1)
        .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 60)).slice(0, 3)""")
    assert width <= screen and window == screen, f"{page.url}: {width} px wide: {wide}"


def large_text(page: Any) -> None:
    """The browser's text size at 200 % (what a phone's accessibility setting does)."""
    session = page.context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": LARGE_TEXT})


def health_visitor(app: Flask, live_server: str, page: Any) -> tuple[StaffPages, int]:
    user_id, email = make_staff(app, "health_visitor")
    staff = StaffPages(page, live_server)
    staff.login(email, STAFF_PASSWORD)
    return staff, user_id


def send_sms(staff: StaffPages, language: str = "da", phone: str = "20 12 34 56") -> None:
    staff.invite("18-months", language, "sms", phone)
    with staff.page.expect_navigation():
        staff.page.locator('button[name="action"][value="send"]').click()


# --- health visitor -----------------------------------------------------------------------------


def test_finding_one_family_among_twenty_by_the_note(
    app: Flask, live_server: str, context_factory: Any
):
    staff, user_id = health_visitor(app, live_server, context_factory(viewport=TABLET,
                                                                      is_mobile=False))
    with app.test_request_context():
        user = db.session.get(StaffUser, user_id)
        for i in range(20):
            language = ("da", "ar", "so", "ti")[i % 4]
            invitations.create(user, "18-months", language, "qr", None, note=f"Fam {i:02d}")
    staff.page.goto(f"{live_server}/staff/invitations")
    assert staff.page.locator("li.card").count() == 20
    shot(staff.page, "board-tablet")
    cards = staff.search_board("fam 07")
    assert len(cards) == 1 and "Fam 07" in cards[0]
    assert "Tigrinya" in cards[0]  # the language by its Danish name
    assert "kl." in cards[0]  # the time in Danish time, Danish style
    staff.open_card_titled("Fam 07")
    assert "Fam 07" in staff.page.locator("h1").inner_text()

    phone = StaffPages(context_factory(), live_server)
    phone.page.goto(f"{live_server}/staff/login")
    phone.page.context.add_cookies(staff.page.context.cookies())
    phone.page.goto(f"{live_server}/staff/invitations")
    no_sideways_scroll(phone.page)
    shot(phone.page, "board-phone")


def test_resend_then_the_first_link_reaches_the_questionnaire(
    app: Flask, live_server: str, context_factory: Any, sms_gateway: Any
):
    staff, _ = health_visitor(app, live_server, context_factory(viewport=TABLET,
                                                                is_mobile=False))
    send_sms(staff)
    first = token_in(sms_gateway.requests[0]["json"]["message"].replace(live_server,
                                                                         "http://localhost"))
    staff.send_again()
    assert len(sms_gateway.requests) == 2
    second = sms_gateway.requests[1]["json"]["message"]
    assert first not in second

    parent = ParentPages(context_factory(), live_server)
    parent.open_link(first)  # the family taps the first SMS
    parent.choose_language("da")
    parent.consent(True)
    assert parent.page_number() == 1


def test_revoke_asks_on_its_own_page_first(
    app: Flask, live_server: str, context_factory: Any, sms_gateway: Any
):
    staff, _ = health_visitor(app, live_server, context_factory())
    send_sms(staff)
    token = token_in(sms_gateway.requests[0]["json"]["message"].replace(live_server,
                                                                         "http://localhost"))
    detail = staff.page.url
    staff.revoke(confirm=False)  # "No, keep it": nothing happens
    assert staff.page.url == detail
    assert "Tilbagekaldt" not in staff.page.locator(".facts").inner_text()
    shot(staff.page, "invitation-phone")
    staff.revoke(confirm=True)
    assert "Tilbagekaldt" in staff.page.locator(".facts").inner_text()

    parent = ParentPages(context_factory(), live_server)
    parent.open_link(token)
    assert "tilbagekaldt" in parent.page.locator("h1").inner_text().lower() or (
        "annulleret" in parent.page.locator("h1").inner_text().lower()
    )


def test_inviting_in_arabic_names_arabic_and_shows_it_right_to_left(
    app: Flask, live_server: str, context_factory: Any, sms_gateway: Any
):
    staff, _ = health_visitor(app, live_server, context_factory(viewport=TABLET,
                                                                is_mobile=False))
    staff.open_invite_form()
    options = staff.page.locator('select[name="language"] option').all_inner_texts()
    assert any(text.startswith("Arabisk") and "العربية" in text for text in options)
    assert any(text.startswith("Farsi") and "فارسی" in text for text in options)
    # No language is chosen in advance: the family's language is picked each time.
    assert staff.page.locator('select[name="language"]').input_value() == ""
    shot(staff.page, "invite-tablet")
    staff.invite("18-months", "ar", "sms", "20 12 34 56")
    assert "Arabisk" in staff.page.locator(".facts").inner_text()
    message = staff.page.locator("blockquote.message")
    assert message.get_attribute("dir") == "rtl"
    assert message.evaluate("el => getComputedStyle(el).direction") == "rtl"
    shot(staff.page, "preview-arabic-tablet")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_invite_form_is_short_on_a_phone(
    app: Flask, live_server: str, context_factory: Any, javascript: bool
):
    staff, _ = health_visitor(
        app, live_server, context_factory(java_script_enabled=javascript)
    )
    staff.open_invite_form()
    page = staff.page
    continue_button = page.locator('button[name="action"][value="preview"]')
    for channel in ("qr", "sms", "email"):
        page.locator(f'input[name="channel"][value="{channel}"]').check()
        assert page.locator('input[name="phone"]').is_visible() == (channel == "sms")
        assert page.locator('input[name="email"]').is_visible() == (channel == "email")
        # Continue is on screen without scrolling to the end of the form.
        page.evaluate("window.scrollTo(0, 0)")
        box = continue_button.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], (channel, box)
    no_sideways_scroll(page)
    page.locator('input[name="channel"][value="qr"]').check()
    shot(page, f"invite-phone-{'js' if javascript else 'nojs'}")


def test_a_printed_card_opens_by_its_short_code_on_a_phone(
    app: Flask, live_server: str, context_factory: Any
):
    staff, _ = health_visitor(app, live_server, context_factory(viewport=TABLET,
                                                                is_mobile=False))
    staff.invite_by_qr("18-months", "ti")
    code = staff.open_card()
    card = staff.page.locator(".invite-card")
    address = card.locator(".card-address").inner_text().strip()
    assert address.endswith("/k") and "://" not in address
    text = card.inner_text()
    assert "Egedal" in text and "Scan QR-koden" in text and "ትግርኛ" not in text
    assert staff.qr_image_width() > 0
    shot(staff.page, "card-tablet")
    staff.page.emulate_media(media="print")
    assert not staff.page.locator("header.site").is_visible()
    assert not staff.page.locator(".no-print").is_visible()
    shot(staff.page, "card-print")
    staff.page.emulate_media(media="screen")

    phone_card = context_factory()
    phone_card.context.add_cookies(staff.page.context.cookies())
    phone_card.goto(staff.page.url)
    no_sideways_scroll(phone_card)
    shot(phone_card, "card-phone")

    parent = ParentPages(context_factory(), live_server, journey="short-code-ti")
    parent.type_short_code(address, code.lower().replace("-", " "))
    assert path_of(parent.page) == "/s/language"
    assert parent.page.locator('input[name="language"][value="ti"]').is_checked()
    parent.choose_language("ti")
    parent.consent(True)
    assert parent.page_number() == 1


# --- parents at 200 % text --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["da", "en", "ar", "fa", "ur", "so", "tr", "pl", "uk", "ti"])
def test_the_whole_journey_at_200_percent_text_on_a_360_px_phone(
    app: Flask, live_server: str, context_factory: Any, lang: str
):
    _, token = create_link(app, "18-months", language=lang)
    page = context_factory()
    large_text(page)
    parent = ParentPages(page, live_server, journey=f"large-text-{lang}")
    parent.open_link(token)
    # The text really is twice the size (Chromium's setting reached the page).
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 32 * 1.1, size
    no_sideways_scroll(page)
    parent.choose_language(lang)
    no_sideways_scroll(page)
    parent.consent(True)
    definition = app.extensions["questionnaires"].current("18-months")
    answers = valid_answers(definition)
    # What the parent sees first, as it is on the phone's screen.
    page.screenshot(path=str(SCREENSHOTS / f"large-text-{lang}" / "viewport-page-1.png"))
    for _ in range(len(definition.pages)):
        no_sideways_scroll(page)
        parent.answer_current_page(definition, answers)
        parent.shot(f"page-{parent.page_number()}")
        if parent.is_last_page():
            parent.press("submit")
            break
        parent.press("next")
    assert parent.at_thanks()
    no_sideways_scroll(page)
    parent.shot("thanks")
    for path in ("/s/accessibility", "/s/k"):
        page.goto(f"{live_server}{path}")
        no_sideways_scroll(page)
        parent.shot(path.strip("/").replace("/", "-"))
