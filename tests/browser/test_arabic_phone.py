"""A parent answers the whole 1½-year questionnaire in Arabic on a 360-pixel-wide phone.

Screenshots of every step land in test-output/screenshots/ (ar-phone/).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models.responses import Response

from ..conftest import create_link, flush_responses
from ..translation_helpers import catalogue
from .conftest import PHONE, screenshot

pytestmark = pytest.mark.browser

#: What the parent taps, page by page (question id -> answer codes), and what they write.
ANSWERS = [
    {"visit_useful": ["4"], "listened": ["5"], "respected": ["5"]},
    {"adv_sleep": ["1"], "adv_food": ["2"], "adv_language": ["4"]},
    {"interp_needed": ["1"], "interp_avail": ["2"]},
    {"changes": ["1", "3"], "visit_again": ["1"]},
]
COMMENT = "شكرًا على الزيارة"


def ar(msgid: str) -> str:
    return catalogue("ar")[msgid].string


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box, "element is not visible"
    return box


def _text_box(page: Any, selector: str) -> dict[str, float]:
    """Where the text itself is drawn (not the block's full width)."""
    return page.eval_on_selector(
        selector,
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   const b = r.getBoundingClientRect();
                   return {x: b.x, width: b.width, right: b.right}; }""",
    )


def assert_mirrored_layout(page: Any) -> None:
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    main = _box(page.locator("main"))
    # Text starts at the right edge.
    heading = _text_box(page, "main h1")
    assert heading["right"] > main["x"] + main["width"] * 0.75
    # The progress indicator runs right to left, its label on the right.
    progress = page.locator("progress")
    assert progress.evaluate("el => getComputedStyle(el).direction") == "rtl"
    label = _text_box(page, "#progress-label")
    assert label["right"] > main["x"] + main["width"] * 0.75
    # Each answer: the radio button or checkbox to the right of its text.
    for choice in page.locator("label.choice:visible").all():
        control = _box(choice.locator("input"))
        text = _box(choice.locator("span"))
        assert control["x"] > text["x"] + text["width"] - 1, choice.inner_text()


def test_a_parent_answers_the_whole_questionnaire_in_arabic_on_a_phone(
    app: Flask, live_server: str, phone: Any
):
    _, token = create_link(app, "18-months", language="ar")
    page = phone

    page.goto(f"{live_server}/s/{token}")
    assert page.url == f"{live_server}/s/language"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1").inner_text() == ar("Choose your language")
    # The invitation's language is already chosen; each name is in its own script.
    assert page.locator('input[value="ar"]').is_checked()
    assert page.locator('label[lang="ar"]').get_attribute("dir") == "rtl"
    assert page.locator('label[lang="pl"]').get_attribute("dir") == "ltr"
    screenshot(page, "ar-phone/0-language")
    page.locator("button.primary").click()

    assert page.url.endswith("/s/consent")
    assert page.locator("h1").inner_text() == ar("Before you answer")
    screenshot(page, "ar-phone/1-consent")
    page.locator('button[name="yes"]').click()

    for number, answers in enumerate(ANSWERS, start=1):
        page.wait_for_url(f"{live_server}/s/page/{number}")
        assert page.locator("#progress-label").inner_text() == ar(
            "Page %(position)s of %(total)s"
        ) % {"position": number, "total": len(ANSWERS)}
        for question, codes in answers.items():
            for code in codes:
                # Tapping the answer's text, as a parent does, chooses it.
                page.locator(f'label.choice:has(input[name="{question}"][value="{code}"])').tap()
                assert page.locator(f'input[name="{question}"][value="{code}"]').is_checked()
        if number == len(ANSWERS):
            page.locator("textarea[name=comments]").fill(COMMENT)
        assert_mirrored_layout(page)
        screenshot(page, f"ar-phone/{number + 1}-page-{number}")
        if number == 1:
            _scale_keeps_its_order_on_a_wide_screen(page)
        button = ar("Send answers") if number == len(ANSWERS) else ar("Next")
        page.get_by_role("button", name=button).click()

    page.wait_for_url(f"{live_server}/s/thanks")
    assert page.locator("h1").inner_text() == ar("Thank you for your answers")
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, "ar-phone/6-thanks")

    flush_responses(app)  # released in mixed batches (portal/mixing.py)
    with app.app_context():
        stored = db.session.execute(db.select(Response)).scalars().all()
    assert len(stored) == 1
    assert stored[0].language == "ar"
    assert stored[0].answers["visit_useful"] == 4
    assert stored[0].answers["changes"] == [1, 3]
    assert stored[0].answers["comments"] == COMMENT


def _scale_keeps_its_order_on_a_wide_screen(page: Any) -> None:
    """On a phone the scale is a list (first answer on top); on a wide screen a row that runs
    right to left in Arabic, so "not useful at all" is where an Arabic reader starts."""
    options = [page.locator(f'input[name="visit_useful"][value="{c}"]') for c in range(1, 6)]
    tops = [_box(option)["y"] for option in options]
    assert tops == sorted(tops)
    page.set_viewport_size({"width": 900, "height": 900})
    try:
        lefts = [_box(option)["x"] for option in options]
        assert lefts == sorted(lefts, reverse=True)
        screenshot(page, "ar-phone/wide-page-1-wide")
    finally:
        page.set_viewport_size(PHONE)
