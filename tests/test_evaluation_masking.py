"""Automatic masking of free text: one test per identifying class from issue 12.

Shown to fail against the old scrubber (main before issue 12, whose ``mask_text`` knew only
plain CPR, phone and e-mail forms): swapped in by hand, 25 of the 31 class cases below fail,
at least one in every class; the six that pass are forms it already caught (``anna@gmail.com``,
``311299-1234``, ``010190 1234``, ``+45 …``, ``0045 …``, ``12.34.56.78``).
"""

from __future__ import annotations

import pytest

from portal.evaluation.masking import mask_text, redact, review_spans


def masked(text: str, *secrets: str) -> str:
    result = mask_text(text)
    for secret in secrets:
        assert secret not in result, result
    return result


@pytest.mark.parametrize("text", ["CPR 010190–1234", "cpr 01/01/90-1234", "01 01 90 1234",
                                  "010190 1234", "01.01.90-1234", "311299-1234"])
def test_cpr_with_dashes_slashes_and_spaces(text):
    assert masked(text, "1234") .count("[cpr]") == 1


@pytest.mark.parametrize("text", ["ring 12\u00a034\u00a056\u00a078", "ring 1234/5678",
                                  "ring 12.34.56.78", "+45\u00a012 34 56 78", "0045 12345678"])
def test_phone_numbers_with_no_break_spaces_and_slashes(text):
    assert "[phone]" in masked(text, "5678", "56")


@pytest.mark.parametrize("text", ["skriv til navn at domæne dot dk", "anna(at)gmail(dot)com",
                                  "anna [at] gmail [dot] com", "anna@gmail.com"])
def test_e_mail_addresses_spelt_out(text):
    assert "[email]" in masked(text, "gmail", "domæne")


@pytest.mark.parametrize("text", ["https://www.facebook.com/anna.jensen.123",
                                  "se facebook.com/anna.jensen", "www.annasblog.dk",
                                  "følg @anna_j på instagram"])
def test_links_profiles_and_handles(text):
    result = masked(text, "anna")
    assert "[url]" in result or "[handle]" in result


@pytest.mark.parametrize("text", ["Vi bor på Bakkevej 12, 2. th, 3650 Ølstykke",
                                  "adressen er Gammel Kongevej 5"])
def test_street_addresses(text):
    assert "[address]" in masked(text, "Bakkevej", "Kongevej")


@pytest.mark.parametrize("text", ["min søn Ahmed er glad", "Vores sundhedsplejerske Mette Hansen "
                                  "var sød", "Tak til Mette Hansen", "Min datter Sofie Nielsen "
                                  "sover dårligt", "my daughter Amina loved it"])
def test_names_of_the_child_and_the_health_visitor(text):
    assert "[name]" in masked(text, "Ahmed", "Mette", "Hansen", "Sofie", "Amina")


@pytest.mark.parametrize("text", ["min søn Ahmed på 3 år har astma",
                                  "hun er 2 år og har autisme", "diagnosen ADHD da han var 4 år"])
def test_ages_with_diagnoses(text):
    assert "[health]" in masked(text, "astma", "autisme", "ADHD")


@pytest.mark.parametrize("text", ["Jeg er den eneste eritreanske enlige far med tvillinger i "
                                  "Egedal.", "the only Eritrean single father with twins in "
                                  "Egedal"])
def test_descriptions_that_fit_one_family(text):
    assert "[description]" in masked(text, "Eritrea", "eritreanske", "tvillinger", "twins")


@pytest.mark.parametrize("text", ["Min søn er 18 måneder", "Vi var der 2 gange i 2026",
                                  "Besøget varede 45 minutter, kl. 10.30", "Hun sover 11 timer",
                                  "Det var godt. Jeg er glad."])
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == text


def test_the_review_marks_placeholders_and_words_worth_a_look_and_redacts_chosen_ones():
    text = mask_text("Tak til Mette Hansen. Vi kommer fra Læsø og har 3 børn")
    spans = review_spans(text)
    kinds = {text[s.start:s.end]: s.kind for s in spans}
    assert kinds["[name]"] == "masked" and kinds["Læsø"] == "suspect"
    index = next(i for i, s in enumerate(spans) if text[s.start:s.end] == "Læsø")
    assert "Læsø" not in redact(text, {index}) and "[redacted]" in redact(text, {index})
