"""End to end: the FAQ topics answered and the messages the assistant could not read
are counted by day in the database (for the scorecards), once per turn, from the
note Rasa's channel puts on its answer; a greeting is not counted, and no text is."""

from __future__ import annotations

from mps.catalogue import Catalogue
from tests.e2e.stack_fixture import Stack, buttons, new_user
from tests.e2e.test_conversations import FAQ, trained_question

TEXTS = Catalogue.load_dir()


def counts(stack: Stack) -> dict[tuple[str, str], int]:
    rows = stack.sql("SELECT kind, key, SUM(count) FROM question_counts GROUP BY kind, key")
    return {(kind, key): int(total) for kind, key, total in rows}


def test_faq_answers_and_messages_not_understood_are_counted(stack: Stack) -> None:
    before = counts(stack)
    user = new_user()
    stack.telegram.ask(user, "سڵاو")  # a greeting: not counted
    [fallback] = stack.telegram.ask(user, "ڕڵێۆ ژڤپگ ێۆڕڤ")
    assert fallback["text"] == TEXTS["fallback"]["ckb"]
    title = FAQ["opening_hours"].title.get("ckb")
    hours = next(c for c in buttons(fallback) if c["text"] == title)
    stack.telegram.press(user, fallback["message_id"], hours["callback_data"])
    stack.telegram.replies(user, fallback["message_id"])
    other = new_user()
    [answer] = stack.telegram.ask(other, trained_question("cybercrime", "ar"))
    assert answer["text"].startswith(FAQ["cybercrime"].answer.get("ar"))
    expected = {
        ("unanswered", "ckb"): 1,
        ("faq", "opening_hours"): 1,  # the topic button
        ("faq", "cybercrime"): 1,
    }

    def added() -> dict[tuple[str, str], int] | None:
        now = counts(stack)
        delta = {k: n - before.get(k, 0) for k, n in now.items() if n != before.get(k, 0)}
        return delta if delta == expected else None

    stack.telegram.wait_until(added, 30, "the three turns counted")
    columns = [row[1] for row in stack.sql("PRAGMA table_info(question_counts)")]
    assert columns == ["day", "kind", "key", "count"]
