"""The simulated Slack's files: the two-step upload the app makes, reading a file's details, and a person sharing a
file with the app."""

from __future__ import annotations

import json

from bot.simulator.manifest import SlackRefused
from bot.simulator.state import Message, SlackState


class FileMethods(SlackState):
    def _files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {
            "id": file_id,
            "name": args["filename"],
            "title": args["filename"],
            "content": None,
            "user": self.BOT_USER,
            "length": int(args["length"]),
        }
        return {"upload_url": f"{self.url.removesuffix('/api/')}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict) -> dict:
        listed = args.get("files")
        listed = json.loads(listed) if isinstance(listed, str) else listed or []
        known = [self.files.get(f.get("id", "")) for f in listed]
        found = [f for f in known if f is not None]
        if not found or len(found) < len(known) or any(f["content"] is None for f in found):
            return {"error": "file_upload_not_completed"}
        for f, given in zip(found, listed, strict=False):
            f["title"] = given.get("title") or f["name"]
        channel = args.get("channel_id") or args.get("channels")
        if channel:
            channel = self._writable_channel(str(channel))
            if isinstance(channel, dict):
                return channel
            message = Message(
                channel, self._ts(), self.BOT_USER, args.get("initial_comment", ""), files=[f["id"] for f in found]
            )
            self.messages.append(message)
        return {"files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in found]}

    def _files_info(self, args: dict) -> dict:
        found = self.files.get(str(args.get("file", "")))
        if found is None or found["content"] is None:
            return {"error": "file_not_found"}
        return {
            "file": {
                "id": found["id"],
                "name": found["name"],
                "title": found["title"],
                "size": len(found["content"]),
                "filetype": found["name"].rsplit(".", 1)[-1].lower() if "." in found["name"] else "",
                "user": found["user"],
                "url_private_download": f"{self.url.removesuffix('/api/')}/files/{found['id']}",
            }
        }

    def share_file(self, user_id: str, name: str, content: bytes, *, text: str = "") -> tuple[str, Message]:
        """A person uploading a file into their DM with the app: the file, and the message that shares it."""
        if not self.manifest.people_can_message_the_app:
            raise SlackRefused("people cannot send the app files: its messages tab is off or read-only")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"id": file_id, "name": name, "title": name, "content": content, "user": user_id}
        message = Message(self.dm_channel(user_id), self._ts(), user_id, text, files=[file_id])
        self.messages.append(message)
        return file_id, message

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """The bytes posted to the upload URL files.getUploadURLExternal handed out (in whichever workspace it was);
        False for an unknown one."""
        for workspace in list(self.cloud.workspaces.values()):
            with workspace._lock:
                pending = workspace.files.get(file_id)
                if pending is not None:
                    pending["content"] = content
                    return True
        return False

    def download(self, file_id: str, authorization: str) -> tuple[int, bytes | None]:
        """A file's url_private: the HTTP status, and the bytes to a caller with a token of the file's workspace."""
        owner = next((w for w in self.cloud.workspaces.values() if file_id in w.files), None)
        found = owner.files[file_id] if owner is not None else None
        if found is None or found["content"] is None:  # unknown, or its upload never came
            return 404, None
        if self.cloud.workspace_for(authorization) is not owner:
            return 403, None
        return 200, found["content"]
