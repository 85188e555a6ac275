"""Commands, block actions and events: answer Slack first, then recognise a duplicate, then work.

Slack's answer to a command, a block action or an event is always empty here (their listeners
reply later, with ``respond``, a DM or a modal), so a duplicate delivery gets exactly what the
first got whether it is recognised before or after the answer. Recognising it needs a durable
claim (DESIGN §6: a write transaction), and under load that write waits its turn behind the
page saves of the moment: made before the answer, it was most of the ack-first listeners' tail
(``bench/README.md``). So for these kinds the de-duplication middleware only names the request's
key (:data:`PENDING_CLAIM`), and each listener, on Bolt's listener thread, acks, makes the claim,
and does nothing more if the request was seen before — still before any of its work.

:class:`ClaimingApp` wraps every command, action and event listener registered on it, so no
listener of those kinds can be added without the claim. View submissions are not among them: a
duplicate submission must get the first one's response again, so they are claimed before
anything else, in the middleware (``bot.slack.middleware``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.kwargs_injection.args import Args

from storage.errors import StorageBusy
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)

PENDING_CLAIM = "rrm_pending_claim"
"""The context key under which the middleware leaves the key still to be claimed."""

CLAIMS_FIRST = "__rrm_claims_first__"
"""Set on each listener :func:`claims_first` made (tests check every listener has it)."""

Listener = Callable[..., Any]


def claim(uow: UnitOfWork, key: str) -> bool:
    """Claim ``key`` durably: True the first time. A database too busy to say counts as the first
    time: handling a request twice is safer than dropping it (the work is idempotent)."""
    try:
        with uow:
            first = uow.requests.claim(key)
            uow.commit()
    except StorageBusy:
        return True
    return first


def claims_first(uow: UnitOfWork, fn: Listener) -> Listener:
    """``fn`` as a listener that acks, claims the request's pending key and, unless the request
    is a duplicate, calls ``fn`` with the arguments it names (as Bolt would)."""
    names = inspect.getfullargspec(inspect.unwrap(fn)).args

    def listener(args: Args) -> None:
        args.ack()
        key = args.context.get(PENDING_CLAIM)
        if key is not None and not claim(uow, key):
            log.info("duplicate request ignored (%s)", str(key).split(":", 1)[0])
            return
        fn(**{name: _argument(args, name) for name in names})

    setattr(listener, CLAIMS_FIRST, True)
    listener.__name__ = getattr(fn, "__name__", "listener")
    listener.__qualname__ = getattr(fn, "__qualname__", listener.__name__)
    return listener


def _argument(args: Args, name: str) -> Any:
    if hasattr(args, name):
        return getattr(args, name)
    return args.context.get(name)


class ClaimingApp(App):
    """A Bolt app whose command, action and event listeners are :func:`claims_first`."""

    def __init__(self, *, uow: UnitOfWork, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._claims_uow = uow

    def _claiming(self, register: Callable[..., Any]) -> Callable[[Listener], Listener]:
        def decorator(fn: Listener) -> Listener:
            register(claims_first(self._claims_uow, fn))
            return fn

        return decorator

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._claiming(super().command(*args, **kwargs))

    def action(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._claiming(super().action(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._claiming(super().event(*args, **kwargs))
