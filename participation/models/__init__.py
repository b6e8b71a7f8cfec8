"""The database tables (SQLModel) and the JSON API's Public variants, by domain:

- `base`: UTC timestamps, enums as strings, constraint names
- `core`: users, processes, contributions, moderation, analysis
- `surveys`: surveys, their questions, invitations and responses
- `focus_groups`: focus-group sessions, members, ideas and dots
- `duplicates`: candidate pairs of near-duplicates and the record of merges
- `mail`: the outbox of e-mails to residents
- `accounts`: sign-in throttling

Everything is importable from `participation.models`.
"""

from __future__ import annotations

from participation.models.accounts import SignInThrottle
from participation.models.base import (
    UTCDateTime,
    enum_column,
    timestamp_field,
    utcnow,
)
from participation.models.core import (
    IN_MODERATION,
    AnalysisJob,
    Channel,
    Cluster,
    ClusterMember,
    ClusterRun,
    CommentPage,
    CommentPublic,
    CommentThreadPublic,
    Contribution,
    ContributionKind,
    ContributionPage,
    ContributionPublic,
    ContributionStatus,
    ContributionTheme,
    JobKind,
    JobStatus,
    ModerationAction,
    ModerationEvent,
    ModerationMode,
    Phase,
    PhaseKind,
    PhasePublic,
    Process,
    ProcessPublic,
    QueueItemPublic,
    Report,
    ReportReason,
    ReportStatus,
    Role,
    Segment,
    Support,
    Theme,
    ThemeSource,
    User,
)
from participation.models.duplicates import ContributionMerge, DuplicatePair
from participation.models.focus_groups import (
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
)
from participation.models.mail import OutgoingMail
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)

__all__ = [
    "IN_MODERATION",
    "AnalysisJob",
    "Channel",
    "Cluster",
    "ClusterMember",
    "ClusterRun",
    "CommentPage",
    "CommentPublic",
    "CommentThreadPublic",
    "Contribution",
    "ContributionKind",
    "ContributionMerge",
    "ContributionPage",
    "ContributionPublic",
    "ContributionStatus",
    "ContributionTheme",
    "DuplicatePair",
    "FocusGroupDot",
    "FocusGroupIdea",
    "FocusGroupMember",
    "FocusGroupSession",
    "JobKind",
    "JobStatus",
    "ModerationAction",
    "ModerationEvent",
    "ModerationMode",
    "OutgoingMail",
    "Phase",
    "PhaseKind",
    "PhasePublic",
    "Process",
    "ProcessPublic",
    "QuestionKind",
    "QueueItemPublic",
    "Report",
    "ReportReason",
    "ReportStatus",
    "Role",
    "Segment",
    "SignInThrottle",
    "Support",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyOption",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveySection",
    "Theme",
    "ThemeSource",
    "UTCDateTime",
    "User",
    "enum_column",
    "timestamp_field",
    "utcnow",
]
