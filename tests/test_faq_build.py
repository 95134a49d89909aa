"""The FAQ knowledge base and its compilation into Rasa data."""

import shutil
from pathlib import Path

import pytest
import yaml

from mps.contract import topic_payload
from mps.faq import FAQ_TOPICS, FaqError, load_faq, load_topic
from nlu.build import Builder

ROOT = Path(__file__).parent.parent


def test_every_contract_topic_has_all_three_languages() -> None:
    topics = load_faq(ROOT / "data" / "faq")
    assert [t.topic for t in topics] == list(FAQ_TOPICS)
    for topic in topics:
        for language in ("ar", "ckb", "en"):
            assert topic.answer.get(language) and topic.title.get(language)
            assert len(topic.questions[language]) >= 20


def test_a_topic_missing_a_language_fails(tmp_path: Path) -> None:
    source = yaml.safe_load((ROOT / "data/faq/opening_hours.yml").read_text("utf-8"))
    del source["answer"]["ckb"]
    path = tmp_path / "opening_hours.yml"
    path.write_text(yaml.safe_dump(source, allow_unicode=True), "utf-8")
    with pytest.raises(FaqError, match="ckb"):
        load_topic(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    Builder(ROOT, out).run()
    return out


def test_every_topic_compiles_to_a_response_in_three_languages_with_source(built: Path) -> None:
    responses = yaml.safe_load((built / "domain/responses.yml").read_text("utf-8"))["responses"]
    for topic in load_faq(ROOT / "data" / "faq"):
        variations = responses[f"utter_faq/{topic.topic}"]
        by_language = {
            (v.get("condition") or [{"value": "en"}])[0]["value"]: v["text"] for v in variations
        }
        assert set(by_language) == {"ar", "ckb", "en"}
        assert topic.source.en in by_language["en"]
        assert "2026" in by_language["en"] and "Source:" in by_language["en"]
        assert "المصدر" in by_language["ar"] and "سەرچاوە" in by_language["ckb"]


def test_held_out_examples_are_never_trained_on(built: Path) -> None:
    heldout = yaml.safe_load((built / "eval/heldout.yml").read_text("utf-8"))["examples"]
    trained: set[str] = set()
    for path in (built / "data/nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text("utf-8"))["nlu"]:
            if "intent" in block:  # lookup tables are names, not examples
                trained |= {line[2:].strip() for line in block["examples"].splitlines()}
    texts = {e["text"] for e in heldout}
    assert texts and not texts & trained
    groups = {(e["intent"], e["lang"]) for e in heldout}
    assert ("faq/cybercrime", "ckb") in groups and ("emergency", "ar") in groups


def test_help_offers_topic_buttons_in_the_users_language(built: Path) -> None:
    responses = yaml.safe_load((built / "domain/responses.yml").read_text("utf-8"))["responses"]
    arabic = next(
        v for v in responses["utter_help"] if v.get("condition", [{}])[0].get("value") == "ar"
    )
    payloads = [b["payload"] for b in arabic["buttons"]]
    assert payloads == [topic_payload(topic) for topic in FAQ_TOPICS]
    titles = [b["title"] for b in arabic["buttons"]]
    assert all(any("\u0600" <= c <= "\u06ff" for c in t) for t in titles)


def test_a_missing_topic_file_stops_the_build(tmp_path: Path) -> None:
    for name in ("data", "domain", "texts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "data/faq/cybercrime.yml").unlink()
    with pytest.raises(FaqError, match="cybercrime"):
        Builder(tmp_path, tmp_path / "build").run()
