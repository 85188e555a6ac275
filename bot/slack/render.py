"""From service results to views: the glue between `bot.services` and the Block Kit builders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.services.returns import ReturnView
from bot.slack.blocks import ReturnContext, page_view, review_view
from forms import engine
from forms.parsing import RawValue


def context_of(view: ReturnView) -> ReturnContext:
    return ReturnContext(view.review.reference, view.review.pseudonym, view.ret.agency_name)


def return_view(
    view: ReturnView,
    *,
    referral_route: str | None,
    draft: Mapping[str, RawValue] | None = None,
    notice: str | None = None,
    review_page: int = 0,
    revision: int | None = None,
) -> dict[str, Any]:
    """The modal for where the return stands: its page, or the review page when all are done.
    `revision` keeps the base revision of a page being re-rendered (not re-shown): a save
    from it must still be refused if the section changed meanwhile."""
    if view.page is None:
        return review_view(
            form=view.form,
            answers=view.answers,
            completeness=engine.completeness(view.form, view.answers),
            context=context_of(view),
            meta={"r": view.ret.id, "p": review_page},
            page_no=review_page,
        )
    section = view.page.section_id
    return page_view(
        form=view.form,
        page=view.page,
        answers=view.answers,
        context=context_of(view),
        meta={
            "r": view.ret.id,
            "s": section,
            "v": view.revision(section) if revision is None else revision,
        },
        referral_route=referral_route,
        draft=draft,
        notice=notice,
    )
