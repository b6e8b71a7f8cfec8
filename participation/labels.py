"""What people read for the app's enum values, in their language."""

from __future__ import annotations

from enum import StrEnum

from participation.i18n import N_, gettext
from participation.models import (
    Channel,
    ContributionStatus,
    Horizon,
    LiveAudience,
    LiveFormat,
    ModerationAction,
    OrganisationKind,
    OrganisationRole,
    PhaseKind,
    ProfileStatus,
    QuestionKind,
    Role,
    Segment,
)

# Keyed by enum class first: StrEnum members of different classes with the same value
# (Channel.IDEA_CALL, PhaseKind.IDEA_CALL) compare equal as strings.
_LABELS: dict[type[StrEnum], dict[str, str]] = {
    Segment: {
        Segment.RESIDENT: N_("Resident"),
        Segment.PUPIL: N_("Pupil or apprentice"),
        Segment.FIRM: N_("Firm or organisation"),
        Segment.EXPERT: N_("Expert"),
        Segment.OTHER: N_("Other"),
    },
    Channel: {
        Channel.IDEA_CALL: N_("Idea call"),
        Channel.SURVEY: N_("Survey"),
        Channel.FOCUS_GROUP: N_("Focus group"),
        Channel.WORKSHOP: N_("Workshop"),
        Channel.IMPORT: N_("Import"),
    },
    ContributionStatus: {
        ContributionStatus.PENDING: N_("waiting for review"),
        ContributionStatus.AWAITING_CHANGES: N_("waiting for changes by the author"),
        ContributionStatus.PUBLISHED: N_("published"),
        ContributionStatus.REJECTED: N_("not published"),
        ContributionStatus.HIDDEN: N_("hidden"),
        ContributionStatus.MERGED: N_("merged with a similar idea"),
    },
    ModerationAction: {
        ModerationAction.APPROVE: N_("approved"),
        ModerationAction.REJECT: N_("rejected"),
        ModerationAction.HIDE: N_("hidden"),
        ModerationAction.REQUEST_CHANGES: N_("asked for changes"),
        ModerationAction.MERGE: N_("merged"),
        ModerationAction.CONFIRM_THEME: N_("action field confirmed"),
        ModerationAction.REMOVE_THEME: N_("action field removed"),
        ModerationAction.ADD_THEME: N_("action field added"),
        ModerationAction.ANSWER: N_("answered"),
        ModerationAction.AUTHOR_EDIT: N_("changed by the author"),
        ModerationAction.UNDO_MERGE: N_("merge undone"),
        ModerationAction.ASSIGN: N_("assigned to"),
        ModerationAction.UNASSIGN: N_("assignment taken back"),
        ModerationAction.NOTE: N_("internal note"),
        ModerationAction.PUBLISH_REDACTED: N_("published with personal data removed"),
    },
    PhaseKind: {
        PhaseKind.INFORMATION: N_("Information"),
        PhaseKind.IDEA_CALL: N_("Call for ideas"),
        PhaseKind.SCREENING: N_("Screening"),
        PhaseKind.EVALUATION: N_("Evaluation"),
        PhaseKind.RESULTS: N_("Results"),
    },
    QuestionKind: {
        QuestionKind.SINGLE_CHOICE: N_("Single choice"),
        QuestionKind.MULTIPLE_CHOICE: N_("Multiple choice"),
        QuestionKind.SCALE: N_("Scale from 1 to 5"),
        QuestionKind.FREE_TEXT: N_("Free text"),
        QuestionKind.RANKING: N_("Ranking"),
    },
    Role: {
        Role.ADMIN: N_("Administrator"),
        Role.MODERATOR: N_("Moderator"),
        Role.EVALUATOR: N_("Evaluator"),
        Role.FACILITATOR: N_("Facilitator"),
        Role.EDITOR: N_("Working-group member"),
    },
    ProfileStatus: {
        ProfileStatus.DRAFT: N_("Draft"),
        ProfileStatus.WORKING_GROUP: N_("In the working group"),
        ProfileStatus.READY: N_("Ready for evaluation"),
        ProfileStatus.PUBLISHED: N_("Published"),
        ProfileStatus.IN_IMPLEMENTATION: N_("In implementation"),
        ProfileStatus.COMPLETED: N_("Completed"),
        ProfileStatus.DROPPED: N_("Dropped"),
    },
    Horizon: {
        Horizon.SHORT: N_("Short term (1-2 years)"),
        Horizon.MEDIUM: N_("Medium term (3-4 years)"),
        Horizon.LONG: N_("Long term"),
    },
    OrganisationKind: {
        OrganisationKind.FIRM: N_("Firm"),
        OrganisationKind.SCHOOL: N_("School"),
        OrganisationKind.UNIVERSITY: N_("University"),
        OrganisationKind.ADMINISTRATION: N_("Administration"),
        OrganisationKind.CHAMBER: N_("Chamber"),
        OrganisationKind.ASSOCIATION: N_("Association"),
        OrganisationKind.OTHER: N_("Other"),
    },
    LiveAudience: {
        LiveAudience.PUPILS: N_("Pupils, apprentices and students"),
        LiveAudience.FIRMS: N_("Firms"),
        LiveAudience.EXPERTS: N_("Experts"),
        LiveAudience.RESIDENTS: N_("Residents"),
        LiveAudience.MIXED: N_("Mixed group"),
    },
    LiveFormat: {
        LiveFormat.FOCUS_GROUP: N_("Focus group"),
        LiveFormat.WORKSHOP: N_("Workshop"),
        LiveFormat.EXPERT_TALK: N_("Expert talk"),
        LiveFormat.CONFERENCE_TABLE: N_("Conference table"),
    },
    OrganisationRole: {
        OrganisationRole.LEAD: N_("Lead"),
        OrganisationRole.PARTNER: N_("Partner"),
        OrganisationRole.INTERESTED: N_("Interested"),
    },
}


def label(value: StrEnum) -> str:
    """The translated label of an enum value (the raw value if none is defined)."""
    text = _LABELS.get(type(value), {}).get(value)
    return gettext(text) if text else str(value)
