"""Page objects for the three audiences: what a parent, a health visitor and an evaluator do.

They drive a Playwright page the way a person would (choose, tap, type, press the button) and
find things by what the page shows or by form field names, never by the server's internals.
Buttons are found by their ``name``/``value`` so the same code works in every language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from portal.questionnaires import Definition, Question

from .conftest import screenshot

#: What a parent writes in free-text boxes and number fields when the test does not say.
DEFAULT_TEXT = "Tak for besøget"


def path_of(page: Any) -> str:
    return urlparse(page.url).path


def valid_answers(definition: Definition) -> dict[str, Any]:
    """One valid answer for every question, chosen so every show-if follow-up appears.

    For each question the option some follow-up depends on is chosen, else the first option.
    """
    triggers: dict[str, int] = {}
    for question in definition.questions:
        if question.show_if:
            triggers.setdefault(question.show_if.question, question.show_if.codes[0])
    answers: dict[str, Any] = {}
    for question in definition.questions:
        if question.type == "multiple":
            answers[question.id] = [triggers.get(question.id, question.codes[0])]
        elif question.type in ("single", "scale", "yesno"):
            answers[question.id] = triggers.get(question.id, question.codes[0])
        elif question.type == "number":
            low = question.minimum if question.minimum is not None else 0
            high = question.maximum if question.maximum is not None else low + 10
            answers[question.id] = (low + high) // 2
        else:
            answers[question.id] = DEFAULT_TEXT
    return answers


@dataclass
class ParentPages:
    """A parent with a phone: opens the link, picks a language, consents, answers, sends."""

    page: Any
    base_url: str
    journey: str | None = None
    shots: int = field(default=0, init=False)

    def shot(self, name: str) -> Path | None:
        """Keep a screenshot under test-output/screenshots/<journey>/ (numbered in order)."""
        if not self.journey:
            return None
        self.shots += 1
        return screenshot(self.page, f"{self.journey}/{self.shots:02d}-{name}")

    def open_link(self, url_or_token: str) -> None:
        url = url_or_token if "://" in url_or_token else f"{self.base_url}/s/{url_or_token}"
        self.page.goto(url)

    def choose_language(self, code: str) -> None:
        assert path_of(self.page) == "/s/language", self.page.url
        self.shot("language")
        self.page.locator(f'input[name="language"][value="{code}"]').check()
        with self.page.expect_navigation():
            self.page.locator("form button.primary").click()

    def consent(self, yes: bool = True) -> None:
        assert path_of(self.page) == "/s/consent", self.page.url
        self.shot("consent")
        with self.page.expect_navigation():
            self.page.locator(f'button[name="{"yes" if yes else "no"}"]').click()

    def page_number(self) -> int:
        path = path_of(self.page)
        assert path.startswith("/s/page/"), self.page.url
        return int(path.rsplit("/", 1)[1])

    def fill_question(self, question: Question, value: Any) -> None:
        """Answer one question as a parent does: tap the answer's text, or type."""
        if question.type in ("single", "scale", "yesno", "multiple"):
            codes = value if isinstance(value, list) else [value]
            for code in codes:
                choice = f'input[name="{question.id}"][value="{code}"]'
                self.page.locator(f"label.choice:has({choice})").click()
                assert self.page.locator(choice).is_checked()
        else:
            self.page.locator(f"#in-{question.id}").fill(str(value))

    def answer_current_page(self, definition: Definition, answers: dict[str, Any]) -> None:
        """Answer the visible questions of the page on screen (hidden follow-ups are left)."""
        page = definition.pages[self.page_number() - 1]
        for question in page.questions:
            if question.id not in answers:
                continue
            block = self.page.locator(f"#q-{question.id}")
            if block.count() and block.is_visible():
                self.fill_question(question, answers[question.id])

    def press(self, action: str) -> None:
        """Press the page's button for ``action``: next, back, submit or language."""
        with self.page.expect_navigation():
            self.page.locator(f'button[name="action"][value="{action}"]').click()

    def is_last_page(self) -> bool:
        return self.page.locator('button[name="action"][value="submit"]').count() == 1

    def answer_all(
        self, definition: Definition, answers: dict[str, Any] | None = None, send: bool = True
    ) -> dict[str, Any]:
        """Answer page by page from the current question page to the end; returns the answers."""
        answers = answers if answers is not None else valid_answers(definition)
        for _ in range(len(definition.pages)):
            self.answer_current_page(definition, answers)
            self.shot(f"page-{self.page_number()}")
            if self.is_last_page():
                if send:
                    self.press("submit")
                return answers
            self.press("next")
        raise AssertionError("never reached the last page")

    def type_short_code(self, address: str, code: str) -> None:
        """Type the card's short address into the browser, then the code, and continue."""
        self.page.goto(address if "://" in address else f"http://{address}")
        self.shot("short-code")
        self.page.locator('input[name="code"]').fill(code)
        with self.page.expect_navigation():
            self.page.locator("form button.primary").click()

    def start(self, token: str, language: str) -> None:
        self.open_link(token)
        self.choose_language(language)
        self.consent(True)

    def at_thanks(self) -> bool:
        return path_of(self.page) == "/s/thanks"


@dataclass
class StaffPages:
    """A health visitor (or coordinator) on a tablet or phone: logs in and invites families."""

    page: Any
    base_url: str

    def login(
        self, email: str, password: str, on_code_page: Callable[[Any], None] | None = None
    ) -> None:
        """Log in with e-mail and password, and the authenticator code if the portal asks.

        With multi-factor login a staff member lands on ``/staff/mfa`` after the password and
        types the six digits their authenticator app shows; without it, they are in.
        ``on_code_page`` is called with the page while it asks for the code (to scan it).
        """
        self.page.goto(f"{self.base_url}/staff/login")
        self.page.locator('input[name="email"]').fill(email)
        self.page.locator('input[name="password"]').fill(password)
        with self.page.expect_navigation():
            self.page.locator("form button.primary").click()
        if path_of(self.page) == "/staff/mfa":
            import pyotp

            from tests import conftest

            secret = getattr(conftest, "TEST_TOTP_SECRET", None)
            assert secret, "the portal asks for a code but the tests have no TOTP secret"
            if on_code_page is not None:
                on_code_page(self.page)
            self.page.locator('input[name="code"]').fill(pyotp.TOTP(secret).now())
            with self.page.expect_navigation():
                self.page.locator("form button.primary, form button[type=submit]").first.click()
        elif path_of(self.page) == "/staff/mfa/enrol":
            self._enrol(on_code_page)
        assert path_of(self.page) not in ("/staff/login", "/staff/mfa"), "login failed"

    def _enrol(self, on_page: Callable[[Any], None] | None) -> None:
        """First login with multi-factor: type the key the page shows into an "app" (pyotp),
        confirm its code, keep the recovery codes, continue."""
        import pyotp

        if on_page is not None:
            on_page(self.page)
        secret = self.page.locator("#totp-secret").inner_text().replace(" ", "")
        self.page.locator('input[name="code"]').fill(pyotp.TOTP(secret).now())
        with self.page.expect_navigation():
            self.page.locator("form button.primary").click()
        assert self.page.locator("#recovery-codes li").count() > 0, "no recovery codes shown"
        if on_page is not None:
            on_page(self.page)
        with self.page.expect_navigation():
            self.page.locator(".buttons a.primary").click()

    def open_invite_form(self) -> None:
        self.page.goto(f"{self.base_url}/staff/invite")

    def invite(
        self, questionnaire: str = "18-months", language: str = "da", channel: str = "qr",
        contact: str | None = None,
    ) -> None:
        """Fill the invite form and press Continue (for SMS/e-mail that shows the preview)."""
        self.open_invite_form()
        self.page.locator(f'input[name="questionnaire"][value="{questionnaire}"]').check()
        self.page.locator('select[name="language"]').select_option(language)
        self.page.locator(f'input[name="channel"][value="{channel}"]').check()
        if channel == "sms":
            self.page.locator('input[name="phone"]').fill(contact or "")
        elif channel == "email":
            self.page.locator('input[name="email"]').fill(contact or "")
        with self.page.expect_navigation():
            self.page.locator('button[name="action"][value="preview"]').click()

    def invite_by_qr(self, questionnaire: str = "18-months", language: str = "da") -> str:
        """Make a QR invitation; returns the link, read as the health visitor can read it."""
        self.invite(questionnaire, language, "qr")
        assert path_of(self.page).endswith("/qr"), self.page.url
        return self.qr_link_text()

    def qr_link_text(self) -> str:
        """Open "Show the link as text" under the code and read the link."""
        self.page.locator("details summary").click()
        link = self.page.locator(".link-text")
        assert link.is_visible()
        return link.inner_text().strip()

    def search_board(self, text: str) -> list[str]:
        """Type into the board's search and show; returns the cards' texts."""
        self.page.goto(f"{self.base_url}/staff/invitations")
        self.page.locator('input[name="q"]').fill(text)
        with self.page.expect_navigation():
            self.page.locator("form.filters button[type=submit]").click()
        return [card.inner_text() for card in self.page.locator("li.card").all()]

    def open_card_titled(self, text: str) -> None:
        """Open the invitation whose card on the board shows ``text`` (its note)."""
        with self.page.expect_navigation():
            self.page.locator("li.card a.card-title", has_text=text).click()

    def send_again(self) -> None:
        """On an invitation's page: press "Send again" (or "New QR code")."""
        with self.page.expect_navigation():
            self.page.locator(
                'form[action$="/resend"] button[type=submit]'
            ).click()

    def revoke(self, confirm: bool = True) -> None:
        """On an invitation's page: press Revoke, then answer the question on its own page."""
        with self.page.expect_navigation():
            self.page.locator('a[href$="/confirm-revoke"]').click()
        assert path_of(self.page).endswith("/confirm-revoke"), self.page.url
        with self.page.expect_navigation():
            if confirm:
                self.page.locator('form[action$="/revoke"] button[type=submit]').click()
            else:
                self.page.locator(".buttons a.secondary").click()

    def open_card(self) -> str:
        """On the QR page: open the printable card; returns the short code it shows."""
        with self.page.expect_navigation():
            self.page.locator('a[href$="/card"]').click()
        return self.page.locator("#card-code").inner_text().strip()

    def qr_image_width(self) -> int:
        """The QR image's natural width once loaded (0 if the browser could not load it)."""
        image = self.page.locator(".qr img")
        image.evaluate(
            "img => img.complete ? null : new Promise(r => { img.onload = img.onerror = r; })"
        )
        return int(image.evaluate("img => img.naturalWidth"))


@dataclass
class EvaluationPages:
    """An evaluator on the releases page: downloads a release's files."""

    page: Any
    base_url: str

    def open(self) -> None:
        self.page.goto(f"{self.base_url}/evaluation/")

    def download(self, file_name: str = "responses.csv", keep_as: Path | None = None) -> bytes:
        """Follow the first release's link to ``file_name``; return the file's bytes."""
        with self.page.expect_download() as info:
            self.page.locator(f'ul.files a[href$="/{file_name}"]').first.click()
        download = info.value
        if keep_as is not None:
            keep_as.parent.mkdir(parents=True, exist_ok=True)
            download.save_as(str(keep_as))
        path = download.path()
        assert path, download.failure()
        return Path(path).read_bytes()

    @staticmethod
    def read_csv(body: bytes) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
