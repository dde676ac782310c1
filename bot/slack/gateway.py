"""The gateway to Slack's Web API: every call Touchpoint makes, each failure raised as SlackCallFailed."""

from __future__ import annotations

import contextvars
import logging
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web import SlackResponse

from bot import metrics
from bot.slack.errors import SlackCallFailed
from bot.slack.pacing import Pacer, PatientRetryHandler
from bot.slack.profiles import Profile, from_user

logger = logging.getLogger(__name__)


def make_client(
    token: str, base_url: str, *, pacer: Pacer | None = None, sleep: Callable[[float], None] = time.sleep
) -> WebClient:
    """A client for the Web API at base_url.

    With a pacer, the client is patient (background work, the clock): it waits out 429s as Retry-After says,
    teaching the pacer the rate, and retries 5xx with backoff. Without one (listeners, which have a 3-second budget
    and single-use trigger ids) it only retries a dropped connection.
    """
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=2)]
    if pacer is not None:
        handlers.append(PatientRetryHandler(pacer, sleep=sleep))
    return CountedWebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=10 if pacer else 2)


class CountedWebClient(WebClient):
    """A Web API client that counts each call by method and result for the metrics: every call of the gateway (each
    DM, post, update and Home). Bolt gives each listener a client of its own for views.open: those are not counted."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            metrics.slack_call(api_method, str(exc.response.get("error") or exc.response.status_code))
            raise
        except (SlackClientError, OSError) as exc:
            metrics.slack_call(api_method, type(exc).__name__)
            raise
        metrics.slack_call(api_method, "ok")
        return response


def _call(api: Callable[..., SlackResponse], pacer: Pacer | None = None, **kwargs: Any) -> dict:
    method = api.__name__.replace("_", ".")
    if pacer is not None:
        pacer.wait_turn(method)
    try:
        response = api(**kwargs)
    except SlackApiError as exc:
        raise SlackCallFailed(method, str(exc.response.get("error") or exc.response.status_code)) from exc
    except (SlackClientError, OSError) as exc:
        raise SlackCallFailed(method, type(exc).__name__) from exc
    if pacer is not None:
        pacer.record(method)
    return response.data  # type: ignore[return-value]


def _as_dicts(blocks: list[Block] | None) -> list[dict] | None:
    return None if blocks is None else [b.to_dict() for b in blocks]


class SlackGateway:
    def __init__(self, client: WebClient, pacer: Pacer | None = None) -> None:
        self.client = client
        self.pacer = pacer

    def profile(self, user_id: str) -> Profile:
        return from_user(_call(self.client.users_info, user=user_id)["user"])

    def profiles(self, user_ids: Iterable[str], budget_seconds: float) -> dict[str, Profile | None]:
        """Profiles looked up in parallel; None for any Slack did not give within the budget."""
        user_ids = list(dict.fromkeys(user_ids))
        if not user_ids:
            return {}
        pool = ThreadPoolExecutor(max_workers=min(8, len(user_ids)), thread_name_prefix="users-info")
        # Each lookup in the caller's context: with installs, it says which workspace's token to use.
        futures = {u: pool.submit(contextvars.copy_context().run, self.profile, u) for u in user_ids}
        wait(futures.values(), timeout=budget_seconds)
        pool.shutdown(wait=False, cancel_futures=True)
        found: dict[str, Profile | None] = {}
        for user_id, future in futures.items():
            if future.done() and future.exception() is None:
                found[user_id] = future.result()
            else:
                found[user_id] = None
                logger.info(
                    "no profile for %s in time: %s", user_id, future.exception() if future.done() else "timeout"
                )
        return found

    def open_dm(self, user_id: str) -> str:
        return _call(self.client.conversations_open, users=user_id)["channel"]["id"]

    def post(self, channel: str, text: str, blocks: list[Block] | None = None, *, metadata: dict | None = None) -> str:
        """Post a message and return its ts."""
        return self.post_with_channel(channel, text, blocks, metadata=metadata)[1]

    def post_with_channel(
        self,
        channel: str,
        text: str,
        blocks: list[Block] | None = None,
        *,
        metadata: dict | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """Post a message (a reply, given thread_ts); returns the channel it landed in (a user id becomes their DM's
        id) and its ts. Joins a public channel it is not yet in, once."""
        args: dict[str, Any] = {"channel": channel, "text": text, "blocks": _as_dicts(blocks)}
        if metadata:
            args["metadata"] = metadata
        if thread_ts:
            args["thread_ts"] = thread_ts
        try:
            response = _call(self.client.chat_postMessage, self.pacer, **args)
        except SlackCallFailed as exc:
            if exc.error != "not_in_channel":
                raise
            _call(self.client.conversations_join, channel=channel)
            response = _call(self.client.chat_postMessage, self.pacer, **args)
        return response["channel"], response["ts"]

    def find_by_metadata(
        self, channel: str, event_type: str, key: str, value: object, since: datetime, *, thread_ts: str | None = None
    ) -> str | None:
        """The ts of the app's message in channel (or in the thread of thread_ts), since `since`, whose metadata
        says key == value."""
        for ts, payload in self.tagged(channel, event_type, since, thread_ts=thread_ts):
            if payload.get(key) == value:
                return ts
        return None

    def tagged(
        self, channel: str, event_type: str, since: datetime, *, thread_ts: str | None = None
    ) -> Iterator[tuple[str, dict]]:
        """The ts and metadata payload of each of the app's messages of event_type in channel (or in the thread of
        thread_ts) since `since`, newest first, read page by page as the caller goes on."""
        cursor = None
        for _ in range(10):  # a DM or a thread holds few messages in a few minutes; ten pages is far more than enough
            if thread_ts:
                page = _call(
                    self.client.conversations_replies,
                    channel=channel,
                    ts=thread_ts,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                page = _call(
                    self.client.conversations_history,
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == event_type:
                    yield message["ts"], metadata.get("event_payload") or {}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def publish_home(self, user_id: str, view: View) -> None:
        """Show `view` as this person's App Home tab (views.publish)."""
        _call(self.client.views_publish, self.pacer, user_id=user_id, view=view.to_dict())

    def update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
        _call(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=_as_dicts(blocks))

    def upload(self, channel_id: str, filename: str, content: bytes, *, title: str, comment: str) -> None:
        """Share a file in a channel with Slack's current upload flow (files_upload_v2: get an upload URL, send the
        bytes there, complete the upload into the channel)."""
        _call(
            self.client.files_upload_v2,
            channel=channel_id,
            filename=filename,
            content=content,
            title=title,
            initial_comment=comment,
        )

    def download(self, file_id: str, limit: int) -> tuple[dict, bytes | None]:
        """A file's details, and its bytes unless it is bigger than `limit` (then None: nothing is downloaded)."""
        info = _call(self.client.files_info, file=file_id)["file"]
        if int(info.get("size") or 0) > limit:
            return info, None
        request = urllib.request.Request(
            info["url_private_download"], headers={"Authorization": f"Bearer {self.client.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return info, response.read(limit + 1)
        except OSError as exc:
            raise SlackCallFailed("files.download", type(exc).__name__) from exc

    def directory(self) -> dict[str, Profile]:
        """Every member of the workspace, from users.list (pages of 1,000): for checking many people at once."""
        people: dict[str, Profile] = {}
        cursor = None
        while True:
            page = _call(self.client.users_list, limit=1000, cursor=cursor)
            for user in page.get("members") or []:
                people[user["id"]] = from_user(user)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people

    def team_id(self) -> str:
        """The workspace the bot token belongs to."""
        return _call(self.client.auth_test)["team_id"]

    def conversation(self, channel_id: str) -> dict:
        """What Slack says of a channel (conversations.info): is_member is the bot's membership."""
        return dict(_call(self.client.conversations_info, self.pacer, channel=channel_id).get("channel") or {})

    def usergroup_members(self, usergroup_id: str) -> frozenset[str]:
        return frozenset(_call(self.client.usergroups_users_list, usergroup=usergroup_id).get("users") or ())
