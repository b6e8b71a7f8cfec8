"""The database tables (SQLModel) and the JSON API's Public variants, by domain:

- `base`: UTC timestamps, enums as strings, constraint names
- `core`: users, processes, contributions, moderation, analysis
- `surveys`: surveys, their questions, invitations and responses
- `survey_panel`: the firm panel's invitees, their mailed links, the process's opt-outs
- `focus_groups`: live sessions (focus groups, workshops, ...): prompts, members, ideas, dots
- `duplicates`: candidate pairs of near-duplicates and the record of merges
- `mail`: the outbox of e-mails to residents
- `moderation_queue`: assignments, internal notes, the daily digest's subscribers
- `accounts`: sign-in throttling, personal access tokens, invitation and reset links,
  recovery codes, the account log
- `profiles`: project profiles (Steckbriefe), their sources, revisions and working groups
- `evaluation`: criteria, rating rounds, ratings, conflicts of interest, priority groups
- `scopes`: the processes and action fields a staff member is limited to
- `dashboard`: the known population of firms for the participation dashboard
- `tracking`: milestones, indicator values and the public timeline of published profiles
- `events`: the sites and events of a process
- `triage`: moderators' additions to the insult list, originals of redacted contributions

Everything is importable from `participation.models`.
"""

from __future__ import annotations

from participation.models.accounts import (
    AccountEvent,
    AccountEventKind,
    AccountLink,
    LinkPurpose,
    PersonalAccessToken,
    RecoveryCode,
    SignInThrottle,
)
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
    DataLicence,
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
from participation.models.dashboard import KnownPopulation, PopulationDimension
from participation.models.duplicates import ContributionMerge, DuplicatePair
from participation.models.evaluation import (
    ConflictOfInterest,
    Criterion,
    EvaluationAction,
    EvaluationEvent,
    EvaluationSetup,
    PlanEntry,
    PriorityGroup,
    Rating,
    RatingRound,
    RoundEvaluator,
    RoundProfile,
    RoundStatus,
)
from participation.models.events import Event, Site
from participation.models.focus_groups import (
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupPrompt,
    FocusGroupSession,
    LiveAudience,
    LiveFormat,
)
from participation.models.mail import OutgoingMail
from participation.models.moderation_queue import (
    DigestSubscription,
    InternalNote,
    QueueAssignment,
)
from participation.models.profiles import (
    PUBLIC_PROFILE_STATUSES,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Profile,
    ProfileComment,
    ProfileIndicator,
    ProfileMember,
    ProfileOrganisation,
    ProfileRevision,
    ProfileSource,
    ProfileStatus,
    ProfileTheme,
)
from participation.models.scopes import StaffScope
from participation.models.survey_panel import PanelOptOut, SurveyInvitee, SurveyInviteeLink
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyCondition,
    SurveyInvitation,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.models.tracking import (
    IndicatorValue,
    ProfileMilestone,
    ProfileUpdate,
    TrackingNotice,
    UpdateKind,
)
from participation.models.triage import InsultWord, RedactedOriginal

__all__ = [
    "IN_MODERATION",
    "PUBLIC_PROFILE_STATUSES",
    "AccountEvent",
    "AccountEventKind",
    "AccountLink",
    "AnalysisJob",
    "Channel",
    "Cluster",
    "ClusterMember",
    "ClusterRun",
    "CommentPage",
    "CommentPublic",
    "CommentThreadPublic",
    "ConflictOfInterest",
    "Contribution",
    "ContributionKind",
    "ContributionMerge",
    "ContributionPage",
    "ContributionPublic",
    "ContributionStatus",
    "ContributionTheme",
    "Criterion",
    "DataLicence",
    "DigestSubscription",
    "DuplicatePair",
    "EvaluationAction",
    "EvaluationEvent",
    "EvaluationSetup",
    "Event",
    "FocusGroupDot",
    "FocusGroupIdea",
    "FocusGroupMember",
    "FocusGroupPrompt",
    "FocusGroupSession",
    "Horizon",
    "IndicatorValue",
    "InsultWord",
    "InternalNote",
    "JobKind",
    "JobStatus",
    "KnownPopulation",
    "LinkPurpose",
    "LiveAudience",
    "LiveFormat",
    "ModerationAction",
    "ModerationEvent",
    "ModerationMode",
    "OrganisationKind",
    "OrganisationRole",
    "OutgoingMail",
    "PanelOptOut",
    "PersonalAccessToken",
    "Phase",
    "PhaseKind",
    "PhasePublic",
    "PlanEntry",
    "PopulationDimension",
    "PriorityGroup",
    "Process",
    "ProcessPublic",
    "Profile",
    "ProfileComment",
    "ProfileIndicator",
    "ProfileMember",
    "ProfileMilestone",
    "ProfileOrganisation",
    "ProfileRevision",
    "ProfileSource",
    "ProfileStatus",
    "ProfileTheme",
    "ProfileUpdate",
    "QuestionKind",
    "QueueAssignment",
    "QueueItemPublic",
    "Rating",
    "RatingRound",
    "RecoveryCode",
    "RedactedOriginal",
    "Report",
    "ReportReason",
    "ReportStatus",
    "Role",
    "RoundEvaluator",
    "RoundProfile",
    "RoundStatus",
    "Segment",
    "SignInThrottle",
    "Site",
    "StaffScope",
    "Support",
    "Survey",
    "SurveyAnswer",
    "SurveyCondition",
    "SurveyInvitation",
    "SurveyInvitee",
    "SurveyInviteeLink",
    "SurveyOption",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveySection",
    "Theme",
    "ThemeSource",
    "TrackingNotice",
    "UTCDateTime",
    "UpdateKind",
    "User",
    "enum_column",
    "timestamp_field",
    "utcnow",
]
