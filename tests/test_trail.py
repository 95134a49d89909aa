"""The in-memory trail of message ids that /exit deletes."""

from bot.trail import DELETE_WINDOW_SECONDS, ChatTrail


def test_take_returns_the_chats_ids_once_and_only_recent_ones() -> None:
    trail = ChatTrail()
    trail.add(1, 10, now=1000.0)
    trail.add(1, 11, now=1000.0 + DELETE_WINDOW_SECONDS - 5)
    trail.add(2, 20, now=1000.0 + DELETE_WINDOW_SECONDS)
    trail.add(1, 12, now=1000.0 + DELETE_WINDOW_SECONDS)
    now = 1000.0 + DELETE_WINDOW_SECONDS + 1
    assert trail.take(1, now=now) == [11, 12]  # 10 is older than 48 hours
    assert trail.take(1, now=now) == []  # forgotten after /exit
    assert trail.take(2, now=now) == [20]


def test_the_trail_is_bounded() -> None:
    trail = ChatTrail(max_chats=2)
    for chat in (1, 2, 3):
        trail.add(chat, chat * 10, now=0.0)
    assert trail.take(1, now=1.0) == []  # the oldest chat was dropped
    assert trail.take(3, now=1.0) == [30]
