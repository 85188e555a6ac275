"""auth.*, chat.*, conversations.* and users.* as Slack answers them."""

from __future__ import annotations

from collections.abc import Callable

from .blocks import message_problems
from .state import Args, Message, Reply, SlackError, World

POST_TEXT_LIMIT = 40_000  # chat.postMessage; chat.update documents 4,000
UPDATE_TEXT_LIMIT = 4_000


def auth_test(world: World, args: Args) -> Reply:
    return {
        "ok": True,
        "url": "https://fake-partnership.slack.com/",
        "team": world.team_name,
        "user": "rrm",
        "team_id": world.team_id,
        "user_id": world.bot_user_id,
        "bot_id": world.bot_id,
        "is_enterprise_install": False,
    }


def _content(args: Args, text_limit: int) -> tuple[str, list[object]]:
    text = str(args.get("text") or "")
    blocks = args.get("blocks") or []
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if len(text) > text_limit:
        raise SlackError("msg_too_long")
    problems = message_problems(blocks)
    if problems:
        raise SlackError("invalid_blocks", *problems)
    return text, list(blocks)


def _message(world: World, channel: str, ts: str) -> Message:
    for message in world.messages.get(channel, []):
        if message.ts == ts and not message.deleted:
            return message
    raise SlackError("message_not_found")


def post_message(world: World, args: Args) -> Reply:
    channel = world.postable_channel(str(args.get("channel") or ""))
    text, blocks = _content(args, POST_TEXT_LIMIT)
    thread_ts = args.get("thread_ts") or None
    seq = world.next_seq()
    message = Message(channel.id, world.next_ts(), seq, world.bot_user_id, text, blocks, thread_ts)
    message.versions.append({"seq": seq, "text": text, "blocks": blocks})
    world.messages[channel.id].append(message)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}


def update(world: World, args: Args) -> Reply:
    channel = world.channel_for(str(args.get("channel") or ""))
    message = _message(world, channel.id, str(args.get("ts") or ""))
    text, blocks = _content(args, UPDATE_TEXT_LIMIT)
    message.text, message.blocks = text, blocks
    message.versions.append({"seq": world.next_seq(), "text": text, "blocks": blocks})
    reply = {"ok": True, "channel": channel.id, "ts": message.ts, "text": text}
    return reply | {"message": message.to_api()}


def delete(world: World, args: Args) -> Reply:
    channel = world.channel_for(str(args.get("channel") or ""))
    message = _message(world, channel.id, str(args.get("ts") or ""))
    message.deleted = True
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def post_ephemeral(world: World, args: Args) -> Reply:
    target = str(args.get("channel") or "")
    channel = world.postable_channel(target)
    user = str(args.get("user") or "")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args, POST_TEXT_LIMIT)
    seq = world.next_seq()
    ts = world.next_ts()
    message = Message(channel.id, ts, seq, world.bot_user_id, text, blocks, ephemeral_to=user)
    message.versions.append({"seq": seq, "text": text, "blocks": blocks})
    world.ephemerals.append(message)
    return {"ok": True, "message_ts": ts}


def respond(world: World, args: Args, channel: str, user: str) -> tuple[int, Reply]:
    """A POST to a response_url: an ephemeral reply to ``user``, or with
    ``response_type: in_channel`` a message in the channel. Answers (HTTP status, body).
    ``replace_original`` is not modelled (the reply is added); ``delete_original`` is a no-op."""
    if str(args.get("delete_original")).lower() == "true":
        return 200, {"ok": True}
    try:
        text, blocks = _content(args, POST_TEXT_LIMIT)
    except SlackError as exc:
        return 400, {"ok": False, "error": exc.error, **exc.extra}
    in_channel = args.get("response_type") == "in_channel"
    seq = world.next_seq()
    message = Message(channel, world.next_ts(), seq, world.bot_user_id, text, blocks)
    message.versions.append({"seq": seq, "text": text, "blocks": blocks})
    if in_channel:
        world.messages.setdefault(channel, []).append(message)
    else:
        message.ephemeral_to = user
        world.ephemerals.append(message)
    return 200, {"ok": True}


def conversations_open(world: World, args: Args) -> Reply:
    if args.get("channel"):
        channel = world.channel_for(str(args["channel"]))
        if not channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        return {"ok": True, "channel": {"id": channel.id}}
    raw = args.get("users") or ""
    users = [u for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("not_supported_by_fakeslack", "group DMs are not modelled")
    user = world.users.get(users[0])
    if user is None:
        raise SlackError("user_not_found")
    if user.deleted:
        raise SlackError("user_disabled")
    if user.is_bot:
        raise SlackError("cannot_dm_bot")
    if user.dm_error:
        raise SlackError(user.dm_error)
    channel, existed = world.open_dm(user.id)
    body = channel.to_api(world.bot_user_id) if _flag(args, "return_im") else {"id": channel.id}
    reply: Reply = {"ok": True, "channel": body}
    if existed:
        reply |= {"no_op": True, "already_open": True}
    return reply


def conversations_info(world: World, args: Args) -> Reply:
    channel = world.channel_for(str(args.get("channel") or ""))
    return {"ok": True, "channel": channel.to_api(world.bot_user_id)}


def conversations_members(world: World, args: Args) -> Reply:
    channel = world.channel_for(str(args.get("channel") or ""))
    cursor = str(args.get("cursor") or "")
    try:
        start = int(cursor.removeprefix("offset:")) if cursor else 0
        limit = int(args.get("limit") or 100)
    except ValueError as exc:
        raise SlackError("invalid_cursor" if cursor else "invalid_limit") from exc
    page = channel.members[start : start + limit]
    more = start + limit < len(channel.members)
    next_cursor = f"offset:{start + limit}" if more else ""
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def users_info(world: World, args: Args) -> Reply:
    user = world.users.get(str(args.get("user") or ""))
    if user is None:
        raise SlackError("user_not_found")
    return {"ok": True, "user": user.to_api(world.clock())}


def users_lookup_by_email(world: World, args: Args) -> Reply:
    email = str(args.get("email") or "").casefold()
    for user in world.users.values():
        if user.email and user.email.casefold() == email and not user.deleted:
            return {"ok": True, "user": user.to_api(world.clock())}
    raise SlackError("users_not_found")  # also for a deactivated user, as Slack documents


def _flag(args: Args, key: str) -> bool:
    return str(args.get(key, "")).lower() in ("1", "true")


HANDLERS: dict[str, Callable[[World, Args], Reply]] = {
    "auth.test": auth_test,
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
}
