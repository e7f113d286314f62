"""Unanswered question pages are rendered once and served from memory (portal/parent/page_cache).

What a parent would notice if that went wrong: another parent's form token (their submit is
refused), another parent's language or place in the questionnaire, answers missing after going
back, or a message that never shows.
"""

from __future__ import annotations

from portal.parent import page_cache

from .conftest import EIGHTEEN_MONTHS, Parent, create_link


def started(app, language: str = "da", questionnaire: str = "18-months") -> Parent:
    _, token = create_link(app, questionnaire=questionnaire)
    parent = Parent(app.test_client())
    parent.start(token, language)
    return parent


def test_parents_on_the_same_unanswered_page_each_get_their_own_working_token(app):
    first, second = started(app), started(app)
    first.get("/s/page/1")
    second.get("/s/page/1")
    assert first.csrf() != second.csrf()
    # The same page apart from the token: the second one came from memory.
    assert first.page_html.replace(first.csrf(), "") == second.page_html.replace(
        second.csrf(), ""
    )
    assert len(app.extensions["blank_pages"]) == 1
    for parent in (second, first):
        response = parent.post("/s/page/1", {**EIGHTEEN_MONTHS[0], "action": "next"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/s/page/2")


def test_a_token_only_works_for_the_parent_it_was_given_to(app):
    first, second = started(app), started(app)
    first.get("/s/page/1")
    second.get("/s/page/1")
    stolen = {"csrf_token": first.csrf(), **EIGHTEEN_MONTHS[0], "action": "next"}
    response = second.client.post("/s/page/1", data=stolen)
    # Refused: the page comes back with the answers as posted and a fresh token of their own.
    assert response.status_code == 200
    assert 'name="visit_useful" value="4" checked' in response.get_data(as_text=True)
    assert first.csrf() not in response.get_data(as_text=True)


def test_answers_show_when_going_back_even_after_the_blank_page_was_cached(app):
    first, second = started(app), started(app)
    second.get("/s/page/1")  # the blank page 1 is now in memory
    first.answer(1, EIGHTEEN_MONTHS[0])
    first.get("/s/page/1")
    assert 'name="visit_useful" value="4" checked' in first.page_html
    assert 'name="listened" value="5" checked' in first.page_html
    # The other parent still sees an empty page, not the first parent's answers.
    second.get("/s/page/1")
    assert " checked" not in second.page_html


def test_each_parent_gets_the_page_in_their_own_language(app):
    danish, english, arabic = started(app, "da"), started(app, "en"), started(app, "ar")
    for parent in (danish, english, arabic, danish):
        parent.get("/s/page/1")
    assert '<html lang="da" dir="ltr">' in danish.page_html
    assert "Om besøget" in danish.page_html
    english.get("/s/page/1")
    assert '<html lang="en" dir="ltr">' in english.page_html
    assert "About the visit" in english.page_html
    arabic.get("/s/page/1")
    assert '<html lang="ar" dir="rtl">' in arabic.page_html


def test_the_progress_and_buttons_fit_each_parents_questionnaire(app):
    short, long = started(app), started(app, questionnaire="3-years")
    short.get("/s/page/1")
    long.get("/s/page/1")
    pages = len(app.extensions["questionnaires"].current("3-years").pages)
    assert pages != 4
    assert "Side 1 af 4" in short.page_html
    assert f"Side 1 af {pages}" in long.page_html
    short.answer(1, EIGHTEEN_MONTHS[0])
    short.answer(2, EIGHTEEN_MONTHS[1])
    short.answer(3, EIGHTEEN_MONTHS[2])
    short.get("/s/page/4")
    assert 'value="submit"' in short.page_html and 'value="next"' not in short.page_html
    assert 'value="back"' in short.page_html


def test_a_message_waiting_for_the_parent_is_shown_on_an_unanswered_page(app):
    first, second = started(app), started(app)
    first.get("/s/page/1")  # cached without any message
    with second.client.session_transaction("/s/page/1") as session:
        session["_flashes"] = [("message", "Nogle spørgsmål mangler stadig et svar.")]
    second.get("/s/page/1")
    assert "Nogle spørgsmål mangler stadig et svar." in second.page_html
    second.get("/s/page/1")  # shown once, like every message
    assert "Nogle spørgsmål mangler stadig et svar." not in second.page_html


def test_pages_are_not_kept_where_templates_reload(app):
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    parent = started(app)
    parent.get("/s/page/1")
    assert "Om besøget" in parent.page_html
    assert not app.extensions.get("blank_pages")
    assert page_cache.enabled(app) is False
