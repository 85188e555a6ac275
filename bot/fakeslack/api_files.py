"""The three-step upload (files.getUploadURLExternal, POST to the upload URL,
files.completeUploadExternal), files.info and files.delete."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .state import Args, File, Message, Reply, SlackError, World

UPLOAD_PATH = "upload/v1/"


def get_upload_url(world: World, args: Args) -> Reply:
    filename = str(args.get("filename") or "")
    if not filename or "length" not in args:
        missing = "filename" if not filename else "length"
        raise SlackError("invalid_arguments", f"[ERROR] missing required field: {missing}")
    try:
        length = int(args["length"])
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_arguments", "[ERROR] must be an integer") from exc
    if length <= 0:
        raise SlackError("missing_argument")
    file = File(
        id=world.mint("F"),
        name=filename,
        length=length,
        seq=world.next_seq(),
        alt_txt=args.get("alt_txt"),
        snippet_type=args.get("snippet_type"),
    )
    world.files[file.id] = file
    return {"ok": True, "upload_url": f"{world.base_url}{UPLOAD_PATH}{file.id}", "file_id": file.id}


def receive_upload(world: World, file_id: str, content: bytes) -> tuple[int, str]:
    """The upload URL: store the bytes. Answers (status, body) as files.slack.com does."""
    file = world.files.get(file_id)
    if file is None or file.completed:
        return 404, "file_not_found"
    file.content = content
    return 200, f"OK - {len(content)}"


def complete_upload(world: World, args: Args) -> Reply:
    entries = _file_entries(args.get("files"))
    targets = _targets(world, args)
    files: list[File] = []
    for entry in entries:
        file = world.files.get(str(entry.get("id")))
        if file is None or file.content is None or file.completed or file.deleted:
            raise SlackError("file_not_found")
        files.append(file)
    for file, entry in zip(files, entries, strict=True):
        file.title = entry.get("title") or file.name
        file.completed = True
        file.initial_comment = args.get("initial_comment")
        file.channels.extend(c.id for c in targets)
    for channel in targets:
        seq = world.next_seq()
        text = str(args.get("initial_comment") or "")
        ids = [f.id for f in files]
        share = Message(channel.id, world.next_ts(), seq, world.bot_user_id, text, [], files=ids)
        share.thread_ts = args.get("thread_ts") or None
        share.versions.append({"seq": seq, "text": text, "blocks": []})
        world.messages[channel.id].append(share)
    return {"ok": True, "files": [f.to_api() for f in files]}


def _file_entries(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SlackError("invalid_arguments", "[ERROR] files must be JSON") from exc
    if not isinstance(raw, list) or not raw or not all(isinstance(e, dict) for e in raw):
        raise SlackError("invalid_arguments", "[ERROR] missing required field: files")
    return raw


def _targets(world: World, args: Args) -> list[Any]:
    wanted = [str(args["channel_id"])] if args.get("channel_id") else []
    wanted += [c for c in str(args.get("channels") or "").split(",") if c]
    targets = []
    for channel_id in wanted:
        if channel_id[:1] not in ("C", "G", "D", "Z"):
            pointer = "/channel_id"
            raise SlackError(
                "invalid_arguments",
                f"[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{{8,}}$ "
                f"[json-pointer:{pointer}]",
            )
        channel = world.channel_for(channel_id)
        if world.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        targets.append(channel)
    return targets


def _file(world: World, args: Args) -> File:
    file = world.files.get(str(args.get("file") or ""))
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    if file.deleted:
        raise SlackError("file_deleted")
    return file


def files_info(world: World, args: Args) -> Reply:
    return {"ok": True, "file": _file(world, args).to_api()}


def files_delete(world: World, args: Args) -> Reply:
    _file(world, args).deleted = True
    return {"ok": True}


HANDLERS: dict[str, Callable[[World, Args], Reply]] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": files_info,
    "files.delete": files_delete,
}
