"""The simulated Slack's people and channels: auth.test, users.*, usergroups.users.list, conversations.open, .info
and .join."""

from __future__ import annotations

from bot.simulator.state import SlackState


class PeopleMethods(SlackState):
    def _auth_test(self, args: dict) -> dict:
        return {
            "team_id": self.team_id,
            "user_id": self.BOT_USER,
            "bot_id": "BTOUCHBOT",
            "team": "Simulated",
            "url": "https://simulated.slack.com/",
        }

    def _users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        return {"user": user} if user else {"error": "user_not_found"}

    def _users_list(self, args: dict) -> dict:
        """Members a page at a time (at most 1,000, as Slack allows), with a cursor to the next page."""
        limit = min(int(args.get("limit") or 1000), 1000)
        start = int(args.get("cursor") or 0)
        people = list(self.users.values())
        page = people[start : start + limit]
        more = start + limit < len(people)
        return {"members": page, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _usergroups_users_list(self, args: dict) -> dict:
        group = self.usergroups.get(args.get("usergroup", ""))
        return {"users": group} if group is not None else {"error": "no_such_subteam"}

    def _conversations_open(self, args: dict) -> dict:
        return self._dm_with(str(args.get("users", "")).split(",")[0])

    def _conversations_info(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if channel not in self.members or (channel in self.private and self.BOT_USER not in self.members[channel]):
            return {"error": "channel_not_found"}  # Slack hides private channels the bot is not in
        private = channel in self.private
        return {"channel": {"id": channel, "is_private": private, "is_member": self.BOT_USER in self.members[channel]}}

    def _conversations_join(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if channel not in self.members:
            return {"error": "channel_not_found"}
        if channel in self.private:
            return {"error": "method_not_supported_for_channel_type"}
        self.members[channel].add(self.BOT_USER)
        return {"channel": {"id": channel}}
