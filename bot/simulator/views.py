"""The simulated Slack's views: modals opened with a trigger, and Home tabs published."""

from __future__ import annotations

import json

from bot.simulator.state import SlackState


class ViewMethods(SlackState):
    def _views_open(self, args: dict) -> dict:
        user = self.triggers.pop(str(args.get("trigger_id", "")), None)
        if user is None and self.any_trigger and args.get("trigger_id"):
            user = "UANYONE"
        if user is None:
            return {"error": "invalid_trigger_id"}
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        view_id = f"V{next(self._ids):08d}"
        view = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "hash": view_id,
            "private_metadata": view.get("private_metadata", ""),
        }
        self.views[view_id] = {"user": user, "view": view}
        return {"view": view}

    def _views_publish(self, args: dict) -> dict:
        """Slack's checks of a Home tab: the app has one (manifest), for a known person, a home view of at most 100
        blocks. Each publish replaces what the person's tab shows."""
        if not self.manifest.home_tab:
            return {"error": "not_enabled"}
        user = str(args.get("user_id") or "")
        if not user:
            return {"error": "invalid_arguments"}
        if user not in self.users:
            return {"error": "user_not_found"}
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        if view.get("type") != "home" or not isinstance(view.get("blocks"), list) or len(view["blocks"]) > 100:
            return {"error": "invalid_arguments"}
        previous = self.homes.get(user)
        view_id = previous["id"] if previous else f"V{next(self._ids):08d}"
        view = {**view, "id": view_id, "team_id": self.team_id, "hash": f"{view_id}-{next(self._clock)}"}
        self.homes[user] = view
        self.published.append((user, view))
        return {"view": view}
