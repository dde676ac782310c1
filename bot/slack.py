"""The Web API calls Touchpoint makes outside a listener's first three seconds, and what their failures mean."""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web import SlackResponse

from bot.services.initiatives import Profile

logger = logging.getLogger(__name__)

# Errors that mean this person can never get a DM from us: retrying will not help.
UNREACHABLE_USER = frozenset(
    {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_is_bot", "users_not_found"}
)
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found"})


class Pacer:
    """Keeps each Web API method under the rate Slack enforces, learnt from its 429s.

    Without it a fan-out bursts into the limit, waits out Retry-After (whole seconds), bursts again, and spends a
    good part of its time waiting. After a 429 the pacer spaces calls of that method at just under the rate that
    was reached in the second before, then lets go again after a quiet minute.
    """

    WINDOW = 1.0
    QUIET = 60.0

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._interval: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._limited_at: dict[str, float] = {}

    def wait_turn(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            if method in self._interval and now - self._limited_at[method] > self.QUIET:
                del self._interval[method]
            interval = self._interval.get(method)
            if not interval:
                return
            turn = max(now, self._next.get(method, now))
            self._next[method] = turn + interval
        if turn > now:
            self._sleep(turn - now)

    def record(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            recent = self._recent[method]
            recent.append(now)
            while recent and now - recent[0] > self.WINDOW:
                recent.popleft()

    def slow_down(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            recent = [t for t in self._recent[method] if now - t <= self.WINDOW]
            reached = len(recent) * 0.98
            previous = self._interval.get(method)
            self._interval[method] = max(1.0 / reached if reached >= 1 else 1.0, previous * 1.25 if previous else 0.0)
            self._limited_at[method] = now


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


class PatientRetryHandler(RetryHandler):
    """Waits out a 429 for exactly the Retry-After Slack gave (slack_sdk's own handler adds up to a second of
    jitter, which a single paced sender does not need), and retries 500/503 with backoff. Each kind keeps its own
    count, so a burst of 429s does not use up the retries a later 500 deserves."""

    def __init__(
        self,
        pacer: Pacer,
        max_rate_limited: int = 30,
        max_server_errors: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(max_retry_count=max_rate_limited + max_server_errors)
        self.pacer = pacer
        self.limits = {"ratelimited": max_rate_limited, "server": max_server_errors}
        self.sleep = sleep

    @staticmethod
    def _kind(response: HttpResponse | None) -> str | None:
        if response is None:
            return None
        return (
            "ratelimited" if response.status_code == 429 else "server" if response.status_code in (500, 503) else None
        )

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        kind = self._kind(response)
        counts = state.custom_values if state.custom_values is not None else {}
        return kind is not None and counts.get(kind, 0) < self.limits[kind]

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        kind = self._kind(response)
        if state.custom_values is None:
            state.custom_values = {}
        count = state.custom_values.get(kind, 0)
        state.custom_values[kind] = count + 1
        if kind == "ratelimited":
            self.pacer.slow_down(_method_of(request))
            retry_after = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after"), "1")
            self.sleep(max(1.0, float(retry_after)) if str(retry_after).replace(".", "", 1).isdigit() else 1.0)
        else:
            self.sleep(0.5 * 2**count)
        state.next_attempt_requested = True
        state.increment_current_attempt()


def make_client(token: str, base_url: str, *, pacer: Pacer | None = None) -> WebClient:
    """A client for the Web API at base_url.

    With a pacer, the client is patient (background work, the clock): it waits out 429s as Retry-After says,
    teaching the pacer the rate, and retries 5xx with backoff. Without one (listeners, which have a 3-second budget
    and single-use trigger ids) it only retries a dropped connection.
    """
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=2)]
    if pacer is not None:
        handlers.append(PatientRetryHandler(pacer))
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=10 if pacer else 2)


NEEDS_A_PERSON = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "ekm_access_denied",
        "team_access_not_granted",
        "method_not_supported_for_channel_type",
    }
)


class SlackCallFailed(Exception):
    """A Web API call that did not succeed, after the client's own retries."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error

    @property
    def user_unreachable(self) -> bool:
        return self.error in UNREACHABLE_USER

    @property
    def needs_a_person(self) -> bool:
        """Trying again will not help until someone acts (invites the app, fixes a channel, reinstalls it)."""
        return self.error in NEEDS_A_PERSON


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


def _profile(user: dict) -> Profile:
    profile = user.get("profile") or {}
    user_id = user.get("id", "")
    return Profile(
        display_name=profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id,
        tz=user.get("tz"),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


def _as_dicts(blocks: list[Block] | None) -> list[dict] | None:
    return None if blocks is None else [b.to_dict() for b in blocks]


class SlackGateway:
    def __init__(self, client: WebClient, pacer: Pacer | None = None) -> None:
        self.client = client
        self.pacer = pacer

    def profile(self, user_id: str) -> Profile:
        return _profile(_call(self.client.users_info, user=user_id)["user"])

    def profiles(self, user_ids: Iterable[str], budget_seconds: float) -> dict[str, Profile | None]:
        """Profiles looked up in parallel; None for any Slack did not give within the budget."""
        user_ids = list(dict.fromkeys(user_ids))
        if not user_ids:
            return {}
        pool = ThreadPoolExecutor(max_workers=min(8, len(user_ids)), thread_name_prefix="users-info")
        futures = {u: pool.submit(self.profile, u) for u in user_ids}
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
                if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get(key) == value:
                    return message["ts"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

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
                people[user["id"]] = _profile(user)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people

    def team_id(self) -> str:
        """The workspace the bot token belongs to."""
        return _call(self.client.auth_test)["team_id"]

    def usergroup_members(self, usergroup_id: str) -> frozenset[str]:
        return frozenset(_call(self.client.usergroups_users_list, usergroup=usergroup_id).get("users") or ())
