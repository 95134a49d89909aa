"""Rasa tracker stores whose wipe is real (Rasa env).

The bot wipes a conversation on /exit with `PUT /conversations/<id>/tracker/events`
and an empty list. Rasa saves an empty tracker for it, but Rasa 3.6's
RedisTrackerStore.save reads the stored tracker and merges its events back, so
every word stays in Redis (with a fresh expiry). Here, saving a tracker without
events deletes the conversation instead: the Redis key, or the in-memory entry.
Rasa saves an empty tracker only in that case, or when a new conversation
starts (where there is nothing to delete).

endpoints.yml names these classes as `tracker_store: type: nlu.tracker_store.…`.
"""

from __future__ import annotations

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker


class WipingRedisTrackerStore(RedisTrackerStore):
    """Redis tracker store where an empty tracker deletes the conversation's key."""

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        """Save the tracker; without events, delete the stored conversation."""
        if not tracker.events:
            self.red.delete(self.key_prefix + tracker.sender_id)
            return
        await super().save(tracker, timeout)


class WipingInMemoryTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store where an empty tracker removes the conversation."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the tracker; without events, forget the conversation."""
        if not tracker.events:
            self.store.pop(tracker.sender_id, None)
            return
        await super().save(tracker)
