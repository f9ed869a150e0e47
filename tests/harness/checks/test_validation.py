"""harness.checks.validation: checks on model output, with real model-like answers and junk."""

from __future__ import annotations

import pytest

from harness.checks.validation import (
    Verdict,
    contains_all,
    contains_any,
    contains_none,
    has_no_error_marker,
    has_sentence_structure,
    is_coherent_answer,
    is_not_echo,
    is_not_gibberish,
    matches,
)

ANSWERS = [
    "Hello there! How can I assist you today?",
    # Real answers of SmolLM2-135M (greedy) through the reference stack:
    "Hello! Welcome to my office! How can I assist you today?",
    "Hello, welcome to my little corner of the world! I'm so glad you're here. What brings "
    "you to my neck of the woods?",
    "I'm Dr. Elena Martinez, a renowned astrophysicist and astrobiologist with a passion for "
    "unraveling the mysteries of the universe.",
    "The sum of 48213 and 7791 is 56004.",
    "Hi! I'm a helpful assistant. What would you like to talk about?",
    "The capital of France is Paris.",
    "Sure, here's a short poem:\nRoses are red,\nviolets are blue.",
]
JUNK = ["asdkj qwpx zzzz", "!!!!", "", " ", "a", "1234 5678 9012", "zzzz zzzz zzzz",
        "xkcd brr pfft",
        # Crafted nonsense that looks like text (vowels, capitals, punctuation, one real word):
        "Qua zei blo hi forp.", "Lorem ipsum dolor sit amet hi", "Lorem ipsum dolor sit amet.",
        "asdf jkl qwerty uiop hi", "Sdfg hjkl, zxcv bnm!", "hello hello hello hello hello",
        "Hello hello hello hello world.", "the the the the cat", "Hello"]


def test_verdict_is_truthy_only_when_ok() -> None:
    assert Verdict(True, "fine")
    assert not Verdict(False, "bad")
    assert Verdict(False, "bad").reason == "bad"


@pytest.mark.parametrize("answer", ANSWERS)
def test_real_answers_are_not_gibberish(answer: str) -> None:
    verdict = is_not_gibberish(answer)
    assert verdict, verdict.reason
    assert verdict.reason.endswith("real words")


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_gibberish(junk: str) -> None:
    verdict = is_not_gibberish(junk)
    assert not verdict
    assert verdict.reason


@pytest.mark.parametrize(
    ("junk", "reason"),
    [("!!!!", "no words"), ("a", "too short"),
     ("asdkj qwpx zzzz", "0/3 words are real English words"),
     ("Qua zei blo hi forp.", "1/5 words are real English words"),
     ("hello hello hello", "fewer than two different real words"),
     ("the the the the cat", "the word 'the' makes up 4/5")],
)
def test_gibberish_reasons(junk: str, reason: str) -> None:
    assert reason in is_not_gibberish(junk).reason


def test_an_answer_of_real_words_with_numbers_and_a_name_is_not_gibberish() -> None:
    verdict = is_not_gibberish("Hi Ada! The code 77431 opens the north door.")
    assert verdict, verdict.reason


@pytest.mark.parametrize(
    ("answer", "prompt"),
    [("Good morning! Who are you?", "Good morning! Who are you?"),
     ("good morning", "Good morning! Who are you?"),
     ("Use the add tool to add 2 and 3.", "Use the add tool to add 2 and 3."),
     ("Who are you? Who are you?", "Good morning! Who are you?")],
)
def test_an_echo_of_the_prompt_is_refused(answer: str, prompt: str) -> None:
    verdict = is_not_echo(answer, prompt)
    assert not verdict
    assert "the prompt's" in verdict.reason
    assert not is_coherent_answer(answer, prompt)


def test_an_answer_with_words_of_its_own_is_no_echo() -> None:
    prompt = "Good morning! Who are you?"
    answer = "Hello, welcome to my little corner of the world! I'm so glad you're here."
    assert is_not_echo(answer, prompt)
    assert is_coherent_answer(answer, prompt)


@pytest.mark.parametrize(
    "text",
    ["Error: Execution failed: boom", "Traceback (most recent call last):",
     "panic: runtime error", "An INTERNAL ERROR occurred", "the tool failed to start",
     "java.lang.NullPointerException"],
)
def test_error_markers_are_found(text: str) -> None:
    verdict = has_no_error_marker(text)
    assert not verdict
    assert "error marker" in verdict.reason


@pytest.mark.parametrize("answer", ANSWERS)
def test_answers_have_no_error_marker(answer: str) -> None:
    assert has_no_error_marker(answer)


@pytest.mark.parametrize("text", [*ANSWERS, "hello there.", "Hello there"])
def test_sentence_structure(text: str) -> None:
    assert has_sentence_structure(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Hello", "1 word(s)"), ("!!!!", "0 word(s)"),
     ("hello there friend", "no capital start and no punctuation")],
)
def test_not_sentences(text: str, reason: str) -> None:
    verdict = has_sentence_structure(text)
    assert not verdict
    assert reason in verdict.reason


def test_contains_any_matches_whole_words_case_insensitively() -> None:
    answer = "Hello there! How can I assist you today?"
    verdict = contains_any(answer, ["hi", "HELLO", "hey"])
    assert verdict
    assert "HELLO" in verdict.reason
    assert not contains_any("This is a thing", ["hi"])  # "hi" inside "this" is no greeting
    missing = contains_any(answer, ["goodbye", "farewell"])
    assert not missing
    assert "goodbye" in missing.reason
    assert not contains_any(answer, [])


def test_contains_all() -> None:
    assert contains_all("Paris is the capital of France", ["paris", "FRANCE"])
    verdict = contains_all("Paris is the capital of France", ["Paris", "Berlin", "Rome"])
    assert not verdict
    assert verdict.reason == "missing ['Berlin', 'Rome']"
    assert contains_all("anything", [])


def test_contains_none() -> None:
    assert contains_none("Hello there!", ["error", "sorry"])
    verdict = contains_none("Sorry, I cannot help.", ["error", "SORRY"])
    assert not verdict
    assert verdict.reason == "unexpected ['SORRY']"


def test_matches_is_case_insensitive_and_spans_lines() -> None:
    assert matches("Hello\nthere", r"hello.there")
    assert matches("The answer is 42.", r"\b42\b")
    verdict = matches("The answer is 41.", r"\b42\b")
    assert not verdict
    assert verdict.reason == r"does not match /\b42\b/"


@pytest.mark.parametrize("answer", ANSWERS)
def test_coherent_answers(answer: str) -> None:
    verdict = is_coherent_answer(answer)
    assert verdict, verdict.reason
    assert verdict.reason == "coherent"


@pytest.mark.parametrize(
    ("text", "failed_check"),
    [("asdkj qwpx zzzz", "is_not_gibberish"), ("!!!!", "is_long_enough"),
     ("Lorem ipsum dolor sit amet hi", "is_not_gibberish"),
     ("", "is_long_enough"), ("!!!!!!!!!!!!", "is_not_gibberish"),
     ("Error: Execution failed: boom", "has_no_error_marker"),
     ("hello there friend", "has_sentence_structure")],
)
def test_incoherent_answers_say_which_check_failed(text: str, failed_check: str) -> None:
    verdict = is_coherent_answer(text)
    assert not verdict
    assert verdict.reason.startswith(f"{failed_check}: ")
