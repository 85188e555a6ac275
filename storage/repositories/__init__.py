"""SQL repositories: they return ``forms.records`` objects and never commit."""

from storage.repositories.answers import SqlAnswerRepository
from storage.repositories.audit import SqlAuditRepository
from storage.repositories.partnerships import SqlPartnershipRepository
from storage.repositories.requests import SqlProcessedRequestRepository
from storage.repositories.returns import SqlReturnRepository
from storage.repositories.reviews import SqlReviewRepository

__all__ = [
    "SqlAnswerRepository",
    "SqlAuditRepository",
    "SqlPartnershipRepository",
    "SqlProcessedRequestRepository",
    "SqlReturnRepository",
    "SqlReviewRepository",
]
