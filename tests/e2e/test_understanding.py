"""End to end: safety that does not hang on the top guess, and the clarifying question.

Which path a message takes depends on the trained model, so each test asks
Rasa's own /model/parse first (the same model the bot talks to) and then
checks that the reply follows the rule for what the model read:
- emergency the clear reading: the whole emergency answer (takeover);
- emergency probability at least the channel's threshold but another
  reading wins: that reading's answer, starting with the emergency line;
(The clarifying question for two close readings is tested in tests/test_clarify.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mps.catalogue import Catalogue
from mps.emergency import emergency_line, load_emergency
from tests.e2e.stack_fixture import RASA_TOKEN, Stack, new_user

ROOT = Path(__file__).resolve().parents[2]
EMERGENCY = load_emergency(ROOT / "data" / "emergency.yml")
TEXTS = Catalogue.load_dir()
THRESHOLD = float(
    yaml.safe_load((ROOT / "credentials.yml").read_text("utf-8"))["nlu.channel.SafetyRestInput"][
        "emergency_line"
    ]
)

# Messages that worry without saying "now": some of them land between the
# threshold and the top spot, which is the path under test.
WORRIED = {
    "en": [
        "i think my neighbour might be hurt, i heard screaming yesterday",
        "someone was following me home last night and i'm scared",
        "there was a fight outside the shop earlier, is it my business to report",
        "my brother didn't come home last night and his phone is off",
        "a man threatened me with a knife last week, how do i report it",
    ],
    "ar": [
        "سمعت صراخ من بيت الجيران البارحة واخاف صار شي",
        "واحد لحكني للبيت البارحة بالليل وخايفة",
        "اخوي ما رجع للبيت من البارحة وتلفونه مسدود",
        "واحد هددني بسكينة الاسبوع الفات شلون اشتكي",
        "صار عركة جدام المحل قبل شوية",
    ],
    "ckb": [
        "دوێنێ شەو کەسێک بەدوامەوە بوو تا ماڵ و دەترسم",
        "براکەم دوێنێ شەو نەگەڕایەوە ماڵەوە و مۆبایلەکەی کوژاوەتەوە",
        "هەفتەی ڕابردوو پیاوێک بە چەقۆ هەڕەشەی لێکردم چۆن سکاڵا بکەم",
        "گوێم لە هاوار بوو لە ماڵی دراوسێکەمان و دەترسم شتێک ڕووی دابێت",
        "پێش کەمێک شەڕێک لە بەردەم دووکانەکە ڕوویدا",
    ],
}
CLEAR = {
    "en": "help a man is stabbing my brother right now",
    "ar": "الحقوني واحد دا يطعن اخوي هسه",
    "ckb": "فریام کەون پیاوێک ئێستا براکەم بە چەقۆ دەدات",
}


def candidates(language: str) -> list[str]:
    """The worried messages, then held-out messages (never trained on) to find the zone."""
    heldout = yaml.safe_load((ROOT / "build/eval/heldout.yml").read_text("utf-8"))["examples"]
    pool = [
        e["text"]
        for e in heldout
        if e["lang"] == language and e["intent"] in ("discreet_help", "report_incident")
    ]
    return WORRIED[language] + pool[:300]


def parse(stack: Stack, text: str) -> dict[str, Any]:
    """What the running model reads in `text`."""
    response = httpx.post(
        f"{stack.rasa_url}/model/parse",
        params={"token": RASA_TOKEN},
        json={"text": text},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
def test_a_clear_emergency_gets_the_whole_emergency_answer(stack: Stack, language: str) -> None:
    assert parse(stack, CLEAR[language])["intent"]["name"] == "emergency"
    replies = stack.telegram.ask(new_user(), CLEAR[language])
    assert replies[0]["text"].startswith("📞 911")
    assert emergency_line(EMERGENCY, TEXTS, language) not in "\n".join(r["text"] for r in replies)


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
def test_a_possible_danger_adds_the_emergency_line_to_the_answer(
    stack: Stack, language: str
) -> None:
    line = emergency_line(EMERGENCY, TEXTS, language)
    zone = 0
    for text in candidates(language):
        if zone and text not in WORRIED[language]:
            break
        reading = parse(stack, text)
        if text not in WORRIED[language] and not (
            reading["intent"]["name"] != "emergency" and reading["emergency_score"] >= THRESHOLD
        ):
            continue
        replies = stack.telegram.ask(new_user(), text)
        texts = [r["text"] for r in replies]
        if reading["intent"]["name"] == "emergency":
            assert texts[0].startswith("📞 911")
        elif reading["emergency_score"] >= THRESHOLD:
            zone += 1
            # The line comes first; the bot may join it with the answer that follows.
            assert texts[0].startswith(line), (text, reading["intent"])
            assert len("\n".join(texts)) > len(line)
        else:
            assert line not in "\n".join(texts)
    assert zone, f"no {language} message fell between the threshold and the top spot"


def test_ordinary_questions_get_no_emergency_line(stack: Stack) -> None:
    for language, text in [
        ("en", "what time does the police station open"),
        ("ar", "شكد الساعة يفتح المركز"),
        ("ckb", "بنکەکە کاتژمێر چەند دەکرێتەوە"),
    ]:
        assert parse(stack, text)["emergency_score"] < THRESHOLD
        replies = stack.telegram.ask(new_user(), text)
        line = emergency_line(EMERGENCY, TEXTS, language)
        assert line not in "\n".join(r["text"] for r in replies)
