"""Button payloads carry the user's language to Rasa."""

import json

from bot.payloads import to_rasa


def test_intent_payload_gets_the_language_entity() -> None:
    assert to_rasa("/help", "ckb") == '/help{"language": "ckb"}'


def test_existing_entities_are_kept() -> None:
    sent = to_rasa('/inform{"place": "الكرادة"}', "ar")
    assert sent.startswith("/inform{")
    assert json.loads(sent[len("/inform") :]) == {"place": "الكرادة", "language": "ar"}


def test_topic_buttons_become_choose_topic() -> None:
    sent = to_rasa("topic:cybercrime", "en")
    assert json.loads(sent[len("/choose_topic") :]) == {
        "faq_topic": "cybercrime",
        "language": "en",
    }


def test_anything_else_passes_unchanged() -> None:
    assert to_rasa("where is the station", "en") == "where is the station"
    assert to_rasa("/broken{not json", "en") == "/broken{not json"
    assert to_rasa("topic:../../etc", "en") == "topic:../../etc"
