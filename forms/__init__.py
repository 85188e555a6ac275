"""The domain, pure: question sets as data, the form engine, the partnership file.

Nothing here imports Slack, SQLAlchemy or APScheduler, and nothing reads the clock.
"""

from forms.engine import (
    PAGE_ERROR_KEY,
    Complete,
    Completeness,
    Errors,
    NextPage,
    Page,
    ReplayErrors,
    ReturnState,
    Step,
    advance,
    apply_page,
    completeness,
    first_unfinished_page,
    gate_outcome,
    next_page,
    pages,
    progress,
    replay,
    visible_answers,
    visible_questions,
)
from forms.loader import (
    FormDefinitionError,
    default_question_set_path,
    load_question_set,
    load_question_set_text,
)
from forms.model import Question, QuestionSet, Section
from forms.parsing import JSONValue, RawRow, RawValue, row_error_key, split_error_key
from forms.partnership import (
    Partnership,
    default_partnership_path,
    load_partnership,
    load_partnership_text,
)

__all__ = [
    "PAGE_ERROR_KEY",
    "Complete",
    "Completeness",
    "Errors",
    "FormDefinitionError",
    "JSONValue",
    "NextPage",
    "Page",
    "Partnership",
    "Question",
    "QuestionSet",
    "RawRow",
    "RawValue",
    "ReplayErrors",
    "ReturnState",
    "Section",
    "Step",
    "advance",
    "apply_page",
    "completeness",
    "default_partnership_path",
    "default_question_set_path",
    "first_unfinished_page",
    "gate_outcome",
    "load_partnership",
    "load_partnership_text",
    "load_question_set",
    "load_question_set_text",
    "next_page",
    "pages",
    "progress",
    "replay",
    "row_error_key",
    "split_error_key",
    "visible_answers",
    "visible_questions",
]
