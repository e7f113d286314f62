"""Every parent in their language: complete catalogues, matching placeholders, and every parent
page rendered in every language with the right ``lang``/``dir`` and no English left over."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from portal import links
from portal.config import PARENT_LANGUAGES, RTL_LANGUAGES
from portal.extensions import db
from portal.i18n import (
    LANGUAGE_REVIEWS,
    LANGUAGE_STATUS,
    NATIVE_NAMES,
    PARENT_MESSAGE_SOURCES,
    STAFF_LANGUAGES,
    is_parent_facing,
    required_languages,
    text_direction,
)
from portal.models.personal import Invitation, InvitationStatus
from portal.timeutil import utcnow

from .conftest import EIGHTEEN_MONTHS, Parent, create_link, flush_responses
from .translation_helpers import (
    ROOT,
    catalogue,
    english_pattern,
    has_bare_percent,
    placeholders,
    source_messages,
    visible_text,
)

_HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


# --- which texts are parent-facing ------------------------------------------------------------


def test_parent_facing_is_decided_by_where_a_text_comes_from():
    assert is_parent_facing(["templates/parent/consent.html"])
    assert is_parent_facing(["portal/questionnaires/18-months.v1.toml"])
    assert is_parent_facing(["portal/consent/default.toml"])
    assert is_parent_facing(["templates/errors/not_found.html"])
    assert not is_parent_facing(["templates/staff/invite.html", "portal/evaluation/routes.py"])
    # Shared by a staff page and a parent page: the parent's needs win.
    assert is_parent_facing(["templates/staff/invite.html", "templates/parent/page.html"])
    # The SMS and e-mail texts are built in staff code but read by parents.
    assert is_parent_facing(["portal/staff/messages.py"])
    assert is_parent_facing(["./portal/delivery/sms.py"])
    assert required_languages(["portal/staff/routes.py"], PARENT_LANGUAGES) == list(
        STAFF_LANGUAGES
    )
    assert required_languages(["templates/parent/thanks.html"], PARENT_LANGUAGES) == list(
        PARENT_LANGUAGES
    )


def test_the_source_has_parent_facing_texts_from_every_kind_of_source():
    """A guard on the extraction itself: if it found nothing, the checks below would pass."""
    locations = {loc for message in source_messages().values() for loc in message.locations}
    for expected in (
        "templates/base.html",
        "templates/parent/page.html",
        "templates/errors/not_found.html",
        "portal/parent/routes.py",
        "portal/questionnaires/answers.py",
        "portal/questionnaires/cos-p.v1.toml",
        "portal/consent/default.toml",
    ):
        assert expected in locations


# --- catalogues -------------------------------------------------------------------------------


def test_all_ten_languages_are_enabled_with_a_status_a_native_name_and_a_catalogue(app):
    assert app.config["LANGUAGES"] == list(PARENT_LANGUAGES)
    assert set(PARENT_LANGUAGES) == {"da", "en", "ar", "fa", "ur", "so", "tr", "pl", "uk", "ti"}
    assert set(LANGUAGE_STATUS) == set(PARENT_LANGUAGES) == set(NATIVE_NAMES)
    assert set(LANGUAGE_STATUS.values()) <= {"draft", "reviewed"}
    assert LANGUAGE_STATUS["da"] == LANGUAGE_STATUS["en"] == "reviewed"
    assert sorted(RTL_LANGUAGES) == ["ar", "fa", "ur"]
    for lang in PARENT_LANGUAGES:
        assert (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").is_file()


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_every_message_a_language_needs_is_translated(lang):
    """Fails when an enabled language lacks a translation of a message it must have: every
    parent-facing message in all ten languages, staff and evaluation texts in da and en."""
    translations = catalogue(lang)
    missing = []
    for message in source_messages().values():
        if lang not in required_languages(message.locations, PARENT_LANGUAGES):
            continue
        entry = translations.get(message.msgid, context=message.context)
        if entry is None or not entry.string or not str(entry.string).strip():
            missing.append((message.msgid, sorted(message.locations)))
    assert not missing, f"{lang}: {len(missing)} untranslated, first: {missing[:3]}"


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_translations_keep_placeholders_and_are_not_fuzzy(lang):
    problems = []
    for entry in catalogue(lang):
        if not entry.id or not entry.string:
            continue
        msgid = entry.id if isinstance(entry.id, str) else entry.id[0]
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for text in strings:
            if text and placeholders(text) != placeholders(msgid):
                problems.append(("placeholders differ", msgid, text))
            if text and has_bare_percent(text):
                problems.append(("bare %", msgid, text))
        if entry.fuzzy:
            problems.append(("fuzzy", msgid, entry.string))
    assert not problems, problems[:5]


def test_english_catalogue_repeats_the_source_and_danish_differs():
    english = catalogue("en")
    danish = catalogue("da")
    for message in source_messages().values():
        if is_parent_facing(message.locations):
            assert english.get(message.msgid, context=message.context).string == message.msgid
    # Danish is the default: a Danish catalogue that merely copied English would pass the
    # completeness test and still fail every parent.
    same = [
        m.msgid
        for m in source_messages().values()
        if len(m.msgid.split()) > 3 and danish.get(m.msgid, context=m.context).string == m.msgid
    ]
    assert not same, same[:3]


def _message_texts() -> list[str]:
    """Every text of portal/delivery/messages.py: SMS, e-mail subjects and bodies."""
    return sorted(
        m.msgid
        for m in source_messages().values()
        if "portal/delivery/messages.py" in m.locations
    )


def test_there_are_invitation_and_reminder_texts_for_visits_and_courses():
    texts = _message_texts()
    assert len(texts) >= 9, texts
    assert any("COS-P course" in text for text in texts)
    assert any("the visit" in text for text in texts)


@pytest.mark.parametrize("msgid", _message_texts())
def test_invitation_messages_exist_in_every_language_with_the_same_placeholders(msgid):
    texts = {lang: catalogue(lang)[msgid].string for lang in PARENT_LANGUAGES}
    assert texts["en"] == msgid
    for lang, text in texts.items():
        assert text and text.strip(), (lang, msgid)
        assert placeholders(text) == placeholders(msgid), (lang, text)
        assert not has_bare_percent(text), (lang, text)
        assert lang == "en" or text != msgid, (lang, text)
        assert text.count("%(link)s") == msgid.count("%(link)s")
    # Neutral: it names the sender and the link, never the family's situation.
    for word in ("vulnerable", "risk", "problem", "social", "udsat"):
        assert word not in msgid.lower() and word not in texts["da"].lower()
    # A course is not a visit (DESIGN.md, "Messages").
    if "course" in msgid:
        assert "visit " not in msgid.replace("health visitor", "")
        assert "besøg" not in texts["da"]


# --- every parent page in every language ------------------------------------------------------


def _answers_for(definition: Any, page: Any) -> dict[str, Any]:
    """Plausible answers for one page: the first answer everywhere, "yes" to open follow-ups."""
    answers: dict[str, Any] = {}
    for question in page.questions:
        if question.type == "number":
            answers[question.id] = str(question.minimum or 0)
        elif question.type == "text":
            answers[question.id] = "Tak"
        elif question.type == "yesno":
            answers[question.id] = "1"
        elif question.type == "multiple":
            answers[question.id] = [str(question.options[0].code)]
        else:
            answers[question.id] = str(question.options[0].code)
    return answers


def _bad_answers(page: Any, number: str) -> dict[str, Any]:
    """Answers the server must refuse, each with its own message."""
    bad: dict[str, Any] = {}
    for question in page.questions:
        if question.type == "number":
            bad[question.id] = number
        elif question.type == "text":
            bad[question.id] = "x" * (question.max_length + 1)
        else:
            bad[question.id] = ["99", "98"] if question.type == "multiple" else "99"
    return bad


class PageCollector:
    def __init__(self, app: Flask, lang: str):
        self.app = app
        self.lang = lang
        self.pages: list[tuple[str, str]] = []

    def add(self, name: str, response: Any, status: int | None = None) -> None:
        if status is not None:
            assert response.status_code == status, (name, response.status_code)
        else:
            assert response.status_code < 500, (name, response.status_code)
        self.pages.append((name, response.get_data(as_text=True)))

    def browser(self) -> Any:
        """A fresh phone whose browser asks for this language (pages before a choice)."""
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = self.lang
        return client


def _invitation(app: Flask, invitation_id: int) -> Invitation:
    return db.session.get(Invitation, invitation_id)


def _other_municipality_link(app: Flask, lang: str) -> str:
    """A link from København, whose demo settings choose public task as the legal basis."""
    from portal.models.personal import Municipality

    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code="0101")
        ).scalar_one()
        issued = links.issue_link(
            "18-months", app.extensions["questionnaires"].current("18-months").version, lang,
            municipality,
        )
        db.session.commit()
        return issued.token


def collect_parent_pages(app: Flask, lang: str) -> list[tuple[str, str]]:
    pages = PageCollector(app, lang)

    @app.get("/test-only/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    @app.post("/test-only/form")
    def form() -> str:
        return "never reached without a CSRF token"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    registry = app.extensions["questionnaires"]

    for key in ("18-months", "3-years", "cos-p"):
        definition = registry.current(key)
        _, token = create_link(app, key, language=lang)
        parent = Parent(pages.browser())
        pages.add(f"{key}: language picker", parent.open(token))
        pages.add(f"{key}: no language chosen", parent.post("/s/language", {}), status=200)
        pages.add(f"{key}: language chosen", parent.choose_language(lang))
        pages.add(f"{key}: consent", parent.get("/s/consent"))
        parent.consent(True)
        other = Parent(pages.browser())  # the same link on another phone (parent/drafts.py)
        other.open(token)
        pages.add(f"{key}: answered on another device", other.choose_language(lang))
        last_page = len(definition.pages)
        parent.get(f"/s/page/{last_page}")
        pages.add(f"{key}: sent too early", parent.post(
            f"/s/page/{last_page}",
            {"action": "submit", **_answers_for(definition, definition.pages[-1])},
            follow=True,
        ))
        for number, page in enumerate(definition.pages, start=1):
            pages.add(f"{key}: page {number}", parent.get(f"/s/page/{number}"))
            # The same page with every "this needs an answer" message on it.
            parent.get(f"/s/page/{number}")
            empty = parent.post(f"/s/page/{number}", {"action": "next"})
            if any(q.required for q in page.questions):
                pages.add(f"{key}: page {number} with errors", empty, status=400)
            parent.get(f"/s/page/{number}")
            pages.add(f"{key}: page {number} bad answers", parent.post(
                f"/s/page/{number}", {"action": "next", **_bad_answers(page, "999999")}
            ), status=400)
            if any(q.type == "number" for q in page.questions):
                parent.get(f"/s/page/{number}")
                pages.add(f"{key}: page {number} not a number", parent.post(
                    f"/s/page/{number}", {"action": "next", **_bad_answers(page, "abc")}
                ), status=400)
            stale = parent.client.post(
                f"/s/page/{number}",
                data={"csrf_token": "old", "action": "next", **_answers_for(definition, page)},
            )
            pages.add(f"{key}: page {number} form expired", stale)
            last = number == len(definition.pages)
            parent.answer(
                number, _answers_for(definition, page), action="submit" if last else "next"
            )
        pages.add(f"{key}: thanks", parent.get("/s/thanks"))
        pages.add(f"{key}: used link", pages.browser().get(f"/s/{token}"))

    _, token = create_link(app, language=lang)
    parent = Parent(pages.browser())
    parent.start(token, lang)
    parent.get("/s/consent")
    pages.add("declined", parent.post("/s/consent", {"no": "1"}, follow=True))
    pages.add("accessibility", parent.get("/s/accessibility"))
    # The municipality's texts (issue 14): its notice, the copy to keep (with a decision), and
    # a second municipality that chose the other legal basis.
    pages.add("privacy notice", parent.get("/s/privacy"))
    pages.add("consent copy", parent.get("/s/consent.txt"))
    other = Parent(pages.browser())
    other.start(_other_municipality_link(app, lang), lang)
    pages.add("consent, public task", other.get("/s/consent"))
    pages.add("consent copy, yes", other.get("/s/consent.txt"))
    undecided = Parent(pages.browser())
    undecided.open(create_link(app, language=lang)[1])
    undecided.choose_language(lang)
    pages.add("consent copy, not answered", undecided.get("/s/consent.txt"))
    pages.add("privacy notice, public task", other.get("/s/privacy"))
    pages.add("choose a municipality", pages.browser().get("/s/privacy"))
    pages.add("not found inside the parent pages", parent.get("/s/page/1/more"), status=404)
    pages.add(
        "too large", parent.client.post("/s/consent", data={"x": "a" * 300_000}), status=413
    )
    pages.add("form expired on consent", parent.client.post(
        "/s/consent", data={"csrf_token": "old", "yes": "1"}, follow_redirects=True
    ))

    browser = pages.browser()
    pages.add("tampered link", browser.get("/s/not-a-link"))
    pages.add("no link", browser.get("/s/"))
    pages.add("front page", browser.get("/"))
    pages.add("not found", browser.get("/no-such-page"))
    pages.add("server error", browser.get("/test-only/boom"), status=500)
    pages.add("form expired", browser.post("/test-only/form"), status=400)

    # The printed card's short address: the form, a code cut short, a code no card carries.
    typist = Parent(pages.browser())
    pages.add("short code form", typist.get("/s/k"))
    pages.add("short code too short", typist.post("/s/k", {"code": "4K7Q"}), status=400)
    typist.get("/s/k")
    pages.add("short code unknown", typist.post("/s/k", {"code": "4K7Q9XMB2T0R"}), status=400)
    # The card itself goes to the family on paper: its text is the family's too.
    with app.test_request_context("/staff/invitations"), force_locale(lang):
        from flask import render_template

        card = render_template(
            "parent/_card_text.html", address="example.dk/k",
            invitation=SimpleNamespace(expires_at=utcnow()),
        )
    pages.pages.append(("printed card", f'<html lang="{lang}" dir="{text_direction(lang)}">'
                        f"<body><main>{card}</main></body></html>"))

    with app.app_context():
        expired_id, expired = create_link(app, language=lang)
        revoked_id, revoked = create_link(app, language=lang)
        unknown_id, unknown = create_link(app, language=lang)
        _invitation(app, expired_id).expires_at = utcnow() - timedelta(days=1)
        links.revoke(_invitation(app, revoked_id))
        db.session.delete(_invitation(app, unknown_id))
        db.session.commit()
    for name, token in (("expired", expired), ("revoked", revoked), ("unknown", unknown)):
        pages.add(f"{name} link", pages.browser().get(f"/s/{token}"))
    return pages.pages


def _english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for message in source_messages().values():
        pattern = english_pattern(message.msgid)
        # Texts only sent by SMS or e-mail never appear on a page.
        on_pages = not all(path.startswith(PARENT_MESSAGE_SOURCES) for path in message.locations)
        if pattern and on_pages and is_parent_facing(message.locations):
            patterns.append((message.msgid, pattern))
    return patterns


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_every_parent_page_renders_in_the_language_with_lang_dir_and_no_english(app, lang):
    """Each parent page, in each language: ``<html lang dir>`` right (rtl for Arabic, Farsi and
    Urdu), and on non-English pages no English text of more than a few words."""
    pages = collect_parent_pages(app, lang)
    assert len(pages) > 40
    expected_dir = "rtl" if lang in ("ar", "fa", "ur") else "ltr"
    patterns = _english_patterns() if lang != "en" else []
    leaks = []
    for name, page_html in pages:
        if not name.startswith("consent copy"):  # plain text, no <html>
            match = _HTML_TAG.search(page_html)
            assert match, f"{lang} {name}: no <html lang dir>"
            assert match.groups() == (lang, expected_dir), f"{lang} {name}: {match.groups()}"
        text = visible_text(page_html)
        leaks += [(name, msgid) for msgid, pattern in patterns if pattern.search(text)]
    assert not leaks, f"{lang}: English left on parent pages: {leaks[:5]}"


def test_the_english_check_would_see_english(app):
    """The control for the test above: on English pages the same patterns do match."""
    patterns = _english_patterns()
    found = set()
    for _name, page_html in collect_parent_pages(app, "en"):
        text = visible_text(page_html)
        found |= {msgid for msgid, pattern in patterns if pattern.search(text)}
    # Every longer parent-facing text shows up somewhere on the English pages...
    assert len(found) > 0.95 * len(patterns), sorted(set(m for m, _ in patterns) - found)[:10]


# --- right to left, the picker, and switching mid-questionnaire -------------------------------


def test_picker_shows_each_language_in_its_own_script_and_direction(app, parent):
    _, token = create_link(app, language="ar")
    parent.open(token)
    html = parent.page_html
    assert _HTML_TAG.search(html).groups() == ("ar", "rtl")
    for lang, name in NATIVE_NAMES.items():
        label = re.search(rf'<label class="choice" lang="{lang}" dir="(\w+)">\s*<input[^>]*>'
                          rf"\s*<span>([^<]+)</span>", html)
        assert label, lang
        assert label.groups() == (text_direction(lang), name)
    # The invitation's language is chosen in advance; the parent only confirms.
    assert re.search(r'value="ar" checked', html)


@pytest.mark.parametrize(("first", "second"), [("da", "ar"), ("fa", "en"), ("ur", "ti")])
def test_switching_direction_mid_questionnaire_keeps_answers_and_page(app, parent, first, second):
    _, token = create_link(app, language=first)
    parent.start(token, first)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    response = parent.answer(2, {"adv_sleep": "2"}, action="language", follow=False)
    parent.get(response.headers["Location"])
    assert _HTML_TAG.search(parent.page_html).group(1) == first
    page = parent.post(
        response.headers["Location"].replace("http://localhost", ""),
        {"language": second},
        follow=True,
    )
    assert page.request.path == "/s/page/2"
    assert _HTML_TAG.search(parent.page_html).groups() == (second, text_direction(second))
    assert 'name="adv_sleep" value="2" checked' in parent.page_html
    parent.get("/s/page/1")
    assert 'name="visit_useful" value="4" checked' in parent.page_html


def test_css_uses_only_logical_properties_so_pages_mirror():
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    physical = re.compile(
        r"(?<![-\w])(?:margin|padding|border)-(?:left|right|top|bottom)\b"
        r"|(?<![-\w])(?:left|right|top|bottom)\s*:"
        r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)"
    )
    assert not physical.findall(css)


def test_answer_codes_do_not_depend_on_the_language(app):
    """The same choice stores the same code whatever language the parent read it in."""
    from portal.models.responses import Response

    codes = {}
    for lang in ("da", "ar", "ti"):
        _, token = create_link(app, language=lang)
        parent = Parent(app.test_client())
        parent.start(token, lang)
        for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
            last = number == len(EIGHTEEN_MONTHS)
            parent.answer(number, answers, action="submit" if last else "next")
    flush_responses(app)
    with app.app_context():
        for response in db.session.execute(db.select(Response)).scalars():
            codes[response.language] = response.answers
    assert set(codes) == {"da", "ar", "ti"}
    assert codes["da"] == codes["ar"] == codes["ti"]


# --- the status table in the docs -------------------------------------------------------------


def test_docs_list_each_language_with_its_status():
    """Each language's row in docs/translations.md shows the status, reviewer and date that
    ``LANGUAGE_REVIEWS`` holds."""
    docs = (Path(ROOT) / "docs" / "translations.md").read_text(encoding="utf-8")
    for lang, review in LANGUAGE_REVIEWS.items():
        row = re.search(rf"^\|[^|\n]*\|\s*`{lang}`\s*\|[^\n]*$", docs, re.MULTILINE)
        assert row, f"docs/translations.md has no row for {lang}"
        cells = [cell.strip() for cell in row.group(0).strip("|").split("|")]
        assert cells[4] == LANGUAGE_STATUS[lang] == review.status, lang
        assert cells[5] == review.reviewed_by, lang
        assert cells[6] == review.reviewed_on.isoformat(), lang


# --- which language a parent gets -------------------------------------------------------------


def _lang_of(response: Any) -> str:
    return _HTML_TAG.search(response.get_data(as_text=True)).group(1)


def test_locale_is_choice_then_invitation_then_browser_then_danish(app):
    browser = app.test_client()
    assert _lang_of(browser.get("/s/accessibility")) == "da"
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "uk, en;q=0.5"
    assert _lang_of(browser.get("/s/accessibility")) == "uk"
    # A language the portal does not offer falls through to the next the browser accepts.
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de, so;q=0.8"
    assert _lang_of(browser.get("/s/accessibility")) == "so"

    _, token = create_link(app, language="ti")
    parent = Parent(browser)
    assert _lang_of(parent.open(token)) == "ti"  # the invitation beats the browser
    assert _lang_of(parent.choose_language("fa")) == "fa"  # the parent's choice beats both
    assert _lang_of(parent.get("/s/accessibility")) == "fa"


def test_an_installation_can_offer_fewer_languages(tmp_path, store_urls):
    from .conftest import make_app

    small = make_app(tmp_path, store_urls, LANGUAGES=["da", "en", "ar"])
    from portal.demo import load_demo
    from portal.stores import STORES

    with small.app_context():
        db.drop_all(bind_key=list(STORES))
        db.create_all(bind_key=list(STORES))
        load_demo()
    _, token = create_link(small, language="ar")
    parent = Parent(small.test_client())
    parent.open(token)
    offered = re.findall(r'name="language" value="(\w+)"', parent.page_html)
    assert offered == ["da", "en", "ar"]
    page = parent.post("/s/language", {"language": "ti"})
    assert page.status_code == 200 and _lang_of(page) == "ar"  # refused, asked again
    with small.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize("problem", ["expired", "revoked", "used"])
def test_a_link_problem_page_speaks_the_invitations_language(app, problem):
    """The health visitor chose Arabic for this parent; the phone's browser says Danish."""
    invitation_id, token = create_link(app, language="ar")
    with app.app_context():
        invitation = _invitation(app, invitation_id)
        if problem == "expired":
            invitation.expires_at = utcnow() - timedelta(days=1)
        elif problem == "revoked":
            links.revoke(invitation)
        else:
            invitation.set_status(InvitationStatus.COMPLETED)
        db.session.commit()
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "da"
    response = browser.get(f"/s/{token}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert _HTML_TAG.search(page).groups() == ("ar", "rtl")
    title = {
        "expired": "This link has expired",
        "revoked": "This link has been cancelled",
        "used": "You have already answered",
    }[problem]
    assert f"<h1>{catalogue('ar')[title].string}</h1>" in page


def test_staff_and_evaluation_pages_are_only_danish_or_english(app):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar, en;q=0.5"
    assert _HTML_TAG.search(browser.get("/staff/nothing-here").get_data(as_text=True)).groups() \
        == ("en", "ltr")
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fa"
    assert _lang_of(browser.get("/evaluation/nothing-here")) == "da"
    # The same browser gets its own language on the parents' pages.
    assert _lang_of(browser.get("/s/accessibility")) == "fa"
