"""A bare answer outside any form: a report if it names a category, else a place.

`inform` is the reading of short answers ("noise in Mansour", "Karrada").
Outside a form, a message that names a report category (the `category`
entity, from the words of data/report_routing.yml) starts the report form,
which fills category and place from the same message; anything else is taken
as a place and answered by the station finder.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.stations import ActionFindStation
from actions.tracker import entity_values


class ActionRouteInform(Action):
    """Hands a bare answer to the report form or to the station finder."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_route_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Follow up with `report_form`, or answer as the station finder does.

        The finder runs here rather than as a follow-up action, so the rule
        that predicted this action is complete and no fallback follows it.
        """
        if entity_values(tracker).get("category"):
            return [FollowupAction("report_form")]
        return await ActionFindStation().run(dispatcher, tracker, domain)
