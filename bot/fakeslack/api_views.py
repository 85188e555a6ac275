"""views.open / push / update / publish with a view store, trigger ids and hashes.

A trigger id is good for one views.open or views.push (a second use is
``exchanged_trigger_id``); tests mint them with ``FakeSlack.trigger_id(user)`` so the fake
knows whose screen the modal opens on. A well-formed trigger id the fake never minted is
accepted, with no user attached. Trigger expiry (3 s in Slack) is not modelled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .blocks import view_problems
from .state import Args, Reply, SlackError, View, World

MAX_MODAL_STACK = 3
_TRIGGER = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")


def _definition(args: Args) -> dict[str, Any]:
    view = args.get("view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", "[ERROR] missing required field: view")
    problems = view_problems(view)
    if problems:
        raise SlackError("invalid_arguments", *problems)
    return view


def _exchange_trigger(world: World, args: Args) -> str | None:
    trigger = str(args.get("trigger_id") or "")
    if not trigger:
        raise SlackError("invalid_arguments", "[ERROR] missing required field: trigger_id")
    if not _TRIGGER.match(trigger):
        raise SlackError("invalid_trigger_id")
    if trigger in world.used_triggers:
        raise SlackError("exchanged_trigger_id")
    world.used_triggers.add(trigger)
    return world.triggers.get(trigger)


def _check_external_id(world: World, definition: dict[str, Any], keep: View | None) -> None:
    external_id = definition.get("external_id")
    if not external_id:
        return
    for view in world.views.values():
        if view is not keep and view.external_id == external_id:
            raise SlackError("duplicate_external_id")


def _new_view(
    world: World, user: str | None, definition: dict[str, Any], method: str, root: str | None
) -> View:
    _check_external_id(world, definition, None)
    view_id = world.mint("V")
    view = View(
        id=view_id,
        user=user,
        type=str(definition["type"]),
        hash=_hash(world),
        view=definition,
        root_view_id=root or view_id,
        external_id=definition.get("external_id"),
    )
    view.versions.append((world.next_seq(), method, definition))
    world.views[view_id] = view
    return view


def _revise(world: World, view: View, definition: dict[str, Any], method: str, args: Args) -> None:
    expected = args.get("hash")
    if expected and expected != view.hash:
        raise SlackError("hash_conflict")
    _check_external_id(world, definition, view)
    view.view = definition
    view.type = str(definition["type"])
    view.external_id = definition.get("external_id") or view.external_id
    view.hash = _hash(world)
    view.versions.append((world.next_seq(), method, definition))


def _hash(world: World) -> str:
    return f"{int(world.clock())}.{world.next_seq():08d}"


def _reply(world: World, view: View) -> Reply:
    return {"ok": True, "view": view.to_api(world.team_id, world.app_id, world.bot_id)}


def views_open(world: World, args: Args) -> Reply:
    definition = _definition(args)
    user = _exchange_trigger(world, args)
    view = _new_view(world, user, definition, "views.open", None)
    if user is not None:
        for old in world.modal_stacks.get(user, []):
            world.views[old].closed = True
        world.modal_stacks[user] = [view.id]
    return _reply(world, view)


def views_push(world: World, args: Args) -> Reply:
    definition = _definition(args)
    user = _exchange_trigger(world, args)
    stack = world.modal_stacks.get(user or "", [])
    if user is not None and not stack:
        raise SlackError("not_found")
    if len(stack) >= MAX_MODAL_STACK:
        raise SlackError("push_limit_reached")
    view = _new_view(world, user, definition, "views.push", stack[0] if stack else None)
    view.previous_view_id = stack[-1] if stack else None
    stack.append(view.id)
    return _reply(world, view)


def views_update(world: World, args: Args) -> Reply:
    definition = _definition(args)
    view = _find(world, args)
    _revise(world, view, definition, "views.update", args)
    return _reply(world, view)


def views_publish(world: World, args: Args) -> Reply:
    definition = _definition(args)
    user_id = str(args.get("user_id") or "")
    if user_id not in world.users:
        raise SlackError("user_not_found")
    if definition["type"] != "home":
        raise SlackError("invalid_arguments", "[ERROR] must be a home view [json-pointer:/view]")
    current = world.home_views.get(user_id)
    if current is None:
        view = _new_view(world, user_id, definition, "views.publish", None)
        world.home_views[user_id] = view.id
    else:
        view = world.views[current]
        _revise(world, view, definition, "views.publish", args)
    return _reply(world, view)


def apply_response(world: World, view_id: str, body: dict[str, Any] | None) -> View | None:
    """Do what Slack does with the app's HTTP answer to a view_submission: ``update`` or
    ``push`` a view, show ``errors``, ``clear`` the stack, or (a bare ack) close the view.
    Returns the view now on top, if any. A view Slack would refuse is a ``ValueError``:
    Slack would only show the user "We had some trouble connecting"."""
    view = world.views[view_id]
    if view.closed:
        raise ValueError(f"{view_id} is closed: Slack would not have sent its submission")
    body = body or {}
    action = body.get("response_action")
    stack = world.modal_stacks.get(view.user or "", [])
    if action in ("update", "push"):
        try:
            definition = _definition(body)
        except SlackError as exc:
            raise ValueError(f"Slack would refuse this view: {exc.extra}") from exc
        if action == "update":
            _revise(world, view, definition, "response_action:update", {})
            return view
        if len(stack) >= MAX_MODAL_STACK:
            raise ValueError("Slack would refuse a fourth stacked modal")
        pushed = _new_view(world, view.user, definition, "response_action:push", view.root_view_id)
        pushed.previous_view_id = view.id
        stack.append(pushed.id)
        return pushed
    if action == "errors":
        view.versions.append((world.next_seq(), "response_action:errors", body["errors"]))
        return view
    closing = list(stack) if action == "clear" else [view_id]
    for closed in closing:
        world.views[closed].closed = True
        if closed in stack:
            stack.remove(closed)
    return world.views[stack[-1]] if stack else None


def _find(world: World, args: Args) -> View:
    view_id, external_id = args.get("view_id"), args.get("external_id")
    for view in world.views.values():
        if (view_id and view.id == view_id) or (external_id and view.external_id == external_id):
            if view.closed:
                break
            return view
    raise SlackError("not_found")


HANDLERS: dict[str, Callable[[World, Args], Reply]] = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
