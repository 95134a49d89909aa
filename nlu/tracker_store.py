"""Rasa tracker stores whose wipe is real, and whose save reads nothing back (Rasa env).

The bot wipes a conversation on /exit with `PUT /conversations/<id>/tracker/events`
and an empty list. Rasa saves an empty tracker for it, but Rasa 3.6's
RedisTrackerStore.save reads the stored tracker and merges its events back, so
every word stays in Redis (with a fresh expiry). Here, saving a tracker without
events deletes the conversation instead: the Redis key, or the in-memory entry.
Rasa saves an empty tracker only in that case, or when a new conversation
starts (where there is nothing to delete).

Rasa's own save rebuilds the stored tracker from its events on every turn and
merges it with the new one, to keep what a retrieved tracker leaves out (older
sessions, and the slot Rasa sets before a session starts). Here the stored
events are compared as JSON: when the new tracker's events continue them (they
start somewhere in the stored list and agree with everything after), the result
of the merge is known without the rebuild: the stored events before that point,
then the new tracker's. Otherwise Rasa's merge is made as before. Profiling the
stack under load (README, Where the CPU goes) found the rebuild a tenth of
Rasa's CPU.

Each store also keeps the tracker it saved last in this task, for the REST
channel to read the turn's parse back (`take_saved`) instead of fetching and
rebuilding the whole conversation again.

endpoints.yml names these classes as `tracker_store: type: nlu.tracker_store.…`.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from nlu import event_types

# The tracker saved last by the running task (one Sanic request, or its connection).
_SAVED: ContextVar[DialogueStateTracker | None] = ContextVar("mps_saved_tracker", default=None)


def take_saved(sender_id: str, message_id: str) -> DialogueStateTracker | None:
    """The tracker this task saved last, if it is `sender_id`'s and its latest user
    message is `message_id` (the turn just taken); forgotten either way."""
    tracker = _SAVED.get()
    _SAVED.set(None)
    if tracker is None or tracker.sender_id != sender_id:
        return None
    latest = tracker.latest_message
    return tracker if latest is not None and latest.message_id == message_id else None


def _continued(stored: str | bytes, events: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The stored events, then `events`, if `events` continue the stored conversation:
    they start at a stored event and agree with every stored event after it. None if
    they do not (a merge is needed)."""
    try:
        before = json.loads(stored).get("events") or []
    except (ValueError, AttributeError):
        return None
    if not before:
        return events
    if not events:
        return None
    for start in range(len(before) - 1, -1, -1):  # the latest session starts last
        if before[start] == events[0]:
            tail = before[start:]
            return before[:start] + events if events[: len(tail)] == tail else None
    return None


class WipingRedisTrackerStore(RedisTrackerStore):
    """Redis tracker store where an empty tracker deletes the conversation's key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        event_types.install()  # events read back are found by name in a table
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        """Save the tracker after the stored events it does not hold (Rasa's merge only
        when it does not continue them); without events, delete the conversation."""
        key = self.key_prefix + tracker.sender_id
        if not tracker.events:
            self.red.delete(key)
            _SAVED.set(None)
            return
        await self.stream_events(tracker)
        events = [event.as_dict() for event in tracker.events]
        stored = self.red.get(key)
        if stored is not None:
            continued = _continued(stored, events)
            if continued is None:
                prior = self.deserialise_tracker(tracker.sender_id, stored)
                if prior is not None:
                    tracker = self._merge_trackers(prior, tracker)
                continued = [event.as_dict() for event in tracker.events]
            events = continued
        # What Rasa writes: json.dumps(tracker.as_dialogue().as_dict()).
        dialogue = json.dumps({"events": events, "name": tracker.sender_id})
        self.red.set(key, dialogue, ex=timeout or self.record_exp)
        _SAVED.set(tracker)


class WipingInMemoryTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store where an empty tracker removes the conversation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        event_types.install()  # events read back are found by name in a table
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the tracker; without events, forget the conversation."""
        if not tracker.events:
            self.store.pop(tracker.sender_id, None)
            _SAVED.set(None)
            return
        await super().save(tracker)
        _SAVED.set(tracker)
