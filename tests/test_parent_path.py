"""The parent's path end to end, through the test client with CSRF on."""

from __future__ import annotations

from portal.extensions import db
from portal.models.personal import ConsentRecord, Invitation
from portal.models.responses import Draft, Response

from .conftest import EIGHTEEN_MONTHS, Parent, create_link, flush_responses


def responses(app) -> list[Response]:
    """Every response, once the pending ones are flushed (portal/mixing.py)."""
    flush_responses(app)
    with app.app_context():
        return list(db.session.execute(db.select(Response)).scalars())


def status_of(app, invitation_id: int) -> str:
    with app.app_context():
        return db.session.get(Invitation, invitation_id).status


def answer_all(parent: Parent, pages=EIGHTEEN_MONTHS):
    last = None
    for number, answers in enumerate(pages, start=1):
        action = "submit" if number == len(pages) else "next"
        last = parent.answer(number, answers, action=action)
    return last


def test_csrf_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_opening_a_link_redirects_to_a_token_free_address(app, client):
    """One redirect, straight to the first step (issue 16): the token never stays in the
    address bar, and the link is only marked opened when a person acts."""
    invitation_id, token = create_link(app)
    response = client.get(f"/s/{token}")
    assert response.status_code == 303
    assert token not in response.headers["Location"]
    assert response.headers["Location"].endswith("/s/language")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    assert status_of(app, invitation_id) == "created"


def test_the_first_step_takes_two_requests_and_each_later_step_one_post(app, parent):
    """GET /s/<token> -> GET /s/language; each form posted redirects to the next step itself,
    never through /s/ (so a phone on a slow network waits for as few round trips as it can)."""
    _, token = create_link(app)
    first = parent.client.get(f"/s/{token}")
    assert first.headers["Location"].endswith("/s/language")
    parent.get("/s/language")
    chosen = parent.post("/s/language", {"language": "da"})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/s/consent")
    parent.get("/s/consent")
    consented = parent.post("/s/consent", {"yes": "1"})
    assert consented.status_code == 303 and consented.headers["Location"].endswith("/s/page/1")
    # Reopening later goes straight to the page the parent reached.
    parent.answer(1, EIGHTEEN_MONTHS[0])
    again = parent.client.get(f"/s/{token}")
    assert again.headers["Location"].endswith("/s/page/2")


def test_a_get_never_uses_the_link_up(app, client):
    """Mail and SMS scanners open links before people do: a GET neither uses the link up nor
    marks it opened; choosing a language (a person acting) does."""
    invitation_id, token = create_link(app)
    for _ in range(3):
        assert client.get(f"/s/{token}").status_code == 303
    fresh = app.test_client()
    assert fresh.get(f"/s/{token}").status_code == 303
    fresh.get("/s/language")
    assert status_of(app, invitation_id) == "created"
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).opened_at is None
    Parent(fresh).choose_language("da")
    assert status_of(app, invitation_id) == "opened"


def test_whole_path_stores_exactly_one_anonymous_response(app, parent):
    invitation_id, token = create_link(app)
    parent.open(token)
    assert "Vælg dit sprog" in parent.page_html
    page = parent.choose_language("da")
    assert "Før du svarer" in page.get_data(as_text=True)
    page = parent.consent(True)
    assert page.request.path == "/s/page/1"
    assert "Side 1 af 4" in parent.page_html
    final = answer_all(parent)
    assert final.request.path == "/s/thanks"
    assert "Tak for dine svar" in parent.page_html
    assert "kan ikke spores tilbage til dig" in parent.page_html

    stored = responses(app)
    assert len(stored) == 1
    response = stored[0]
    assert response.questionnaire_key == "18-months"
    assert response.questionnaire_version == 2  # new invitations use the newest version
    assert response.language == "da"
    assert response.municipality_code == "0240"
    assert len(response.period) == 7
    assert response.answers == {
        "visit_useful": 4,
        "listened": 5,
        "respected": 5,
        "adv_sleep": 1,
        "adv_food": 2,
        "adv_language": 4,
        "interp_needed": 1,
        "interp_avail": 2,
        "changes": [1, 3],
        "visit_again": 1,
        "comments": "Tak for besøget",
    }
    assert status_of(app, invitation_id) == "completed"

    # The link now says "already answered", with 410 Gone.
    again = parent.client.get(f"/s/{token}")
    assert again.status_code == 410
    assert "Du har allerede svaret" in again.get_data(as_text=True)


def test_consent_is_recorded_with_version_hash_language_and_time(app, parent):
    invitation_id, token = create_link(app, language="en")
    parent.open(token)
    parent.choose_language("en")
    page = parent.consent(True).get_data(as_text=True)
    assert "Page 1 of 4" in page
    with app.app_context():
        record = db.session.execute(db.select(ConsentRecord)).scalar_one()
        assert record.invitation_id == invitation_id
        assert record.decision is True
        assert record.text_version == "2026-2/0240.2"
        assert len(record.text_hash) == 64
        assert record.language == "en"
        assert record.recorded_at is not None
    assert status_of(app, invitation_id) == "consented"


def test_saying_no_ends_politely_and_stores_no_answers(app, parent):
    invitation_id, token = create_link(app)
    parent.open(token)
    parent.choose_language("da")
    page = parent.consent(False)
    assert page.request.path == "/s/declined"
    assert "ingen betydning for den hjælp" in page.get_data(as_text=True)
    assert status_of(app, invitation_id) == "declined"
    assert responses(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Draft)).first() is None
    # Questions stay closed after a no.
    assert parent.client.get("/s/page/1").headers["Location"].endswith("/s/consent")


def test_consent_text_can_be_kept_as_a_copy(app, parent):
    _, token = create_link(app)
    parent.open(token)
    parent.choose_language("da")
    copy = parent.client.get("/s/consent.txt")
    assert copy.status_code == 200
    assert copy.mimetype == "text/plain"
    assert "attachment" in copy.headers["Content-Disposition"]
    text = copy.get_data(as_text=True)
    assert "Sundhedsplejen i Egedal Kommune" in text
    assert "Dine svar er anonyme" in text


def test_required_answers_are_explained_in_place_and_input_is_kept(app, parent):
    _, token = create_link(app)
    parent.start(token)
    response = parent.answer(1, {"visit_useful": "4"}, follow=False)
    assert response.status_code == 400
    html = parent.page_html
    assert html.count("Svar på spørgsmålet.") == 2
    assert 'value="4" checked' in html  # what the parent chose is still chosen
    assert 'href="#q-listened"' in html  # the summary links to the question


def test_bad_values_get_clear_errors_and_nothing_is_stored(app, parent):
    _, token = create_link(app, questionnaire="cos-p")
    parent.start(token)
    for value, message in (
        ("many", "Skriv et helt tal, for eksempel 3."),
        ("99", "Skriv et tal fra 0 til 20."),
        ("-1", "Skriv et tal fra 0 til 20."),
    ):
        response = parent.answer(1, {"sessions": value}, follow=False)
        assert response.status_code == 400
        assert message in parent.page_html
        assert f'value="{value}"' in parent.page_html
    # A tampered choice code is refused too.
    response = parent.answer(1, {"sessions": "6", "barriers": ["1", "77"]}, follow=False)
    assert response.status_code == 400
    assert "Vælg blandt de viste svar." in parent.page_html
    with app.app_context():
        # Drafts are written at the first page saved, never at consent: nothing was saved.
        assert db.session.execute(db.select(Draft)).first() is None


def test_back_and_next_keep_every_answer(app, parent):
    _, token = create_link(app)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    # Half-filled page 2, then Back: nothing typed on page 2 is lost.
    response = parent.answer(2, {"adv_sleep": "3"}, action="back")
    assert response.request.path == "/s/page/1"
    assert 'value="4" checked' in parent.page_html
    parent.get("/s/page/2")
    assert 'name="adv_sleep" value="3" checked' in parent.page_html


def test_show_if_hides_questions_that_do_not_apply(app, parent):
    _, token = create_link(app)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    parent.answer(2, {})
    # No interpreter needed: the follow-up is not required and any answer to it is dropped.
    parent.answer(3, {"interp_needed": "0", "interp_avail": "1"})
    parent.answer(4, {"visit_again": "2"}, action="submit")
    (response,) = responses(app)
    assert response.answers["interp_needed"] == 0
    assert "interp_avail" not in response.answers
    # Without JavaScript the follow-up shows, with a hint saying when to answer it.


def test_show_if_follow_up_is_required_when_it_applies(app, parent):
    _, token = create_link(app)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    parent.answer(2, {})
    response = parent.answer(3, {"interp_needed": "1"}, follow=False)
    assert response.status_code == 400
    assert "Svar på dette, hvis du valgte “Ja” ovenfor." in parent.page_html
    assert "Svar på spørgsmålet." in parent.page_html


def test_show_if_on_an_earlier_page_skips_the_question(app, parent):
    _, token = create_link(app, questionnaire="3-years")
    parent.start(token)
    parent.answer(1, {"visit_useful": "3", "listened": "3", "respected": "3"})
    parent.answer(2, {})
    parent.answer(3, {"daycare_contact": "4"})  # not in daycare
    parent.get("/s/page/3")
    assert "daycare_coop" not in parent.page_html or "hvis du valgte" in parent.page_html


def test_reopening_the_link_resumes_where_the_parent_left(app, client):
    _, token = create_link(app)
    first = Parent(client)
    first.start(token)
    first.answer(1, EIGHTEEN_MONTHS[0])
    first.answer(2, EIGHTEEN_MONTHS[1])
    # Later, on the same phone, even after the session cookie was lost: same link, same place.
    client.delete_cookie("portal_parent")
    page = first.open(token)
    page = first.choose_language("da")
    assert page.request.path == "/s/page/3"
    first.get("/s/page/1")
    assert 'name="visit_useful" value="4" checked' in first.page_html


def test_switching_language_mid_questionnaire_keeps_answers_and_page(app, parent):
    _, token = create_link(app)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    response = parent.answer(2, {"adv_sleep": "2"}, action="language", follow=False)
    assert response.status_code == 303
    parent.get(response.headers["Location"])
    language_page = response.headers["Location"].replace("http://localhost", "")
    page = parent.post(language_page, {"language": "en"}, follow=True)
    assert page.request.path == "/s/page/2"
    assert "Advice you got" in parent.page_html
    assert 'name="adv_sleep" value="2" checked' in parent.page_html


def test_expired_csrf_token_loses_nothing(app, parent):
    _, token = create_link(app)
    parent.start(token)
    parent.get("/s/page/1")
    response = parent.client.post(
        "/s/page/1",
        data={"csrf_token": "stale", "visit_useful": "2", "listened": "3", "action": "next"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "ikke gemt endnu" in html
    assert 'name="visit_useful" value="2" checked' in html
    assert 'name="listened" value="3" checked' in html
    # The page carries a fresh token: pressing the button again works.
    parent.page_html = html
    again = parent.post("/s/page/1", {"visit_useful": "2", "listened": "3", "respected": "1",
                                      "action": "next"})
    assert again.status_code == 303


def test_double_submit_and_two_tabs_give_exactly_one_response(app, client):
    _, token = create_link(app)
    tab = Parent(client)
    tab.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS[:-1], start=1):
        tab.answer(number, answers)
    tab.get("/s/page/4")
    token_field = tab.csrf()
    form = {"csrf_token": token_field, "action": "submit", **EIGHTEEN_MONTHS[-1]}
    first = client.post("/s/page/4", data=form)
    second = client.post("/s/page/4", data=form)  # a double tap
    third = client.post("/s/page/2", data={"csrf_token": token_field, "action": "next",
                                           **EIGHTEEN_MONTHS[1]})  # a second tab
    for response in (first, second, third):
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/s/thanks")
    assert client.get("/s/thanks").status_code == 200
    assert len(responses(app)) == 1


def test_submit_after_a_lost_status_update_is_repaired_not_doubled(app, parent):
    """The response store commits first; a crash before the invitation is marked is healed.

    The crash also loses the submit's answer, so the phone still holds its draft cookie and
    sends the submit again."""
    invitation_id, token = create_link(app)
    parent.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS[:-1], start=1):
        parent.answer(number, answers)
    kept = parent.client.get_cookie("portal_draft").value
    parent.get("/s/page/4")
    csrf = parent.csrf()
    parent.answer(4, EIGHTEEN_MONTHS[-1], action="submit")
    with app.app_context():
        db.session.get(Invitation, invitation_id).status = "consented"  # as if the crash happened
        db.session.commit()
    parent.client.set_cookie("portal_draft", kept, path="/")
    again = parent.client.post("/s/page/4", data={"csrf_token": csrf, "action": "submit",
                                                  **EIGHTEEN_MONTHS[-1]}, follow_redirects=True)
    assert again.request.path == "/s/thanks"
    assert len(responses(app)) == 1
    assert status_of(app, invitation_id) == "completed"


def test_concurrent_submits_of_one_draft_store_one_response(app, parent):
    """Two workers submitting the same draft at the same moment: one response, not two."""
    import threading

    from portal.parent import answering

    invitation_id, token = create_link(app)
    parent.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS[:-1], start=1):
        parent.answer(number, answers)
    parent.answer(4, EIGHTEEN_MONTHS[-1], action="back")  # saved, not submitted
    from portal.parent import drafts

    with app.test_request_context("/s/", headers={"Cookie": _cookie_header(parent)}):
        from flask import request

        key = drafts.read_cookie(request)[str(invitation_id)]
    outcomes: list = []
    barrier = threading.Barrier(4, timeout=10)

    def submit() -> None:
        barrier.wait()
        with app.app_context():
            invitation = db.session.get(Invitation, invitation_id)
            definition = app.extensions["questionnaires"].get("18-months", 1)
            outcomes.append(answering.submit(key, invitation, definition, "da")[0])
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.value for o in outcomes) == ["already", "already", "already", "stored"]
    assert len(responses(app)) == 1
    assert status_of(app, invitation_id) == "completed"


def _cookie_header(parent: Parent) -> str:
    cookie = parent.client.get_cookie("portal_draft")
    return f"portal_draft={cookie.value}"
