"""The participation tables: users, processes and their phases and themes, contributions
with their themes, supports, reports and moderation log, analysis jobs and clusters; and the
Public variants the JSON API returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import UTCDateTime, enum_column, timestamp_field

# --- enums ---------------------------------------------------------------------------------


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    EVALUATOR = "evaluator"
    FACILITATOR = "facilitator"  # runs focus-group sessions with pupils
    # A working-group member: edits the profiles whose working group they belong to, and
    # nothing else.
    EDITOR = "editor"


class ModerationMode(StrEnum):
    BEFORE_PUBLISHING = "before_publishing"  # ideas wait in the queue until approved
    AFTER_PUBLISHING = "after_publishing"  # ideas appear at once; moderators can hide them


class DataLicence(StrEnum):
    """The licence under which a process's open data is published (services/open_data/):
    the Data licence Germany or Creative Commons, by their SPDX-like identifiers."""

    DL_DE_BY_2_0 = "dl-de-by-2.0"  # Datenlizenz Deutschland – Namensnennung – 2.0
    DL_DE_ZERO_2_0 = "dl-de-zero-2.0"  # Datenlizenz Deutschland – Zero – 2.0
    CC_BY_4_0 = "cc-by-4.0"
    CC0_1_0 = "cc0-1.0"


class PhaseKind(StrEnum):
    INFORMATION = "information"
    IDEA_CALL = "idea_call"
    SCREENING = "screening"
    EVALUATION = "evaluation"
    RESULTS = "results"


class ContributionKind(StrEnum):
    IDEA = "idea"
    COMMENT = "comment"
    SURVEY_ANSWER = "survey_answer"


class Segment(StrEnum):
    RESIDENT = "resident"
    PUPIL = "pupil"
    FIRM = "firm"
    EXPERT = "expert"
    OTHER = "other"


class Channel(StrEnum):
    IDEA_CALL = "idea_call"
    SURVEY = "survey"
    FOCUS_GROUP = "focus_group"
    WORKSHOP = "workshop"
    IMPORT = "import"


class ContributionStatus(StrEnum):
    PENDING = "pending"  # in the moderation queue
    # A moderator asked the author for changes: out of the queue until the author edits it
    # through the follow link, which makes it pending again.
    AWAITING_CHANGES = "awaiting_changes"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    MERGED = "merged"


# Still in moderation: not public, and its author may change it.
IN_MODERATION: Final = frozenset({ContributionStatus.PENDING, ContributionStatus.AWAITING_CHANGES})


class ThemeSource(StrEnum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class ModerationAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    REQUEST_CHANGES = "request_changes"
    MERGE = "merge"
    # Theme decisions leave the contribution's status as it is; the event's reason holds the
    # theme's name as it was then.
    CONFIRM_THEME = "confirm_theme"  # a suggested theme confirmed
    REMOVE_THEME = "remove_theme"  # a suggested or confirmed theme removed
    ADD_THEME = "add_theme"  # a theme that was not suggested added
    # The moderators' public answer written or changed; the event's reason holds the answer.
    ANSWER = "answer"
    # The author changed the text through the follow link (no actor); after a request for
    # changes this takes the item back into the queue.
    AUTHOR_EDIT = "author_edit"
    # A merge taken back from the log (services/merging.py): the status is given back.
    UNDO_MERGE = "undo_merge"
    # The item given to a colleague, or taken back (services/queue_work.py); the event's
    # reason holds the colleague's name as it was then ("" when unassigned).
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    # An internal note written (staff only); the event's reason holds the note.
    NOTE = "note"
    # Published with the personal data in its text replaced by "[entfernt]"
    # (services/triage/redaction.py); the event's reason names the kinds removed.
    PUBLISH_REDACTED = "publish_redacted"


class ReportReason(StrEnum):
    """Why someone used "Melden" on an idea or comment."""

    SPAM = "spam"
    OFFENSIVE = "offensive"  # beleidigend
    PERSONAL_DATA = "personal_data"  # persönliche Daten
    OFF_TOPIC = "off_topic"  # gehört nicht hierher


class ReportStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"  # looked at, the item stays as it is
    ACTED = "acted"  # the item was hidden, rejected or changed because of it


class JobKind(StrEnum):
    """Heavy text analysis that runs in the background (see participation/jobs.py)."""

    CLUSTER = "cluster"
    RETRAIN_THEMES = "retrain_themes"
    DUPLICATES = "duplicates"  # candidate pairs of near-duplicates (services/duplicates.py)
    RETRAIN_SPAM = "retrain_spam"  # the spam classifier (services/triage/classifier.py)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# --- tables --------------------------------------------------------------------------------


class User(SQLModel, table=True):
    """A staff member who signs in: admin, moderator or evaluator. Residents have no account."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=enum_column(Role))
    is_active: bool = True
    created_at: datetime = timestamp_field()
    last_login_at: datetime | None = timestamp_field(nullable=True)
    # Raised when the password changes: sessions signed in under an older one end
    # (auth.SessionUserMiddleware). An invited account has no password yet ("").
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Two-factor sign-in (services/accounts/totp.py): the secret once confirmed, and the
    # last time step a code was accepted for, so a code is never taken twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None
    # Failed sign-ins of this account (passwords and 2FA codes) and the lock they lead to.
    failed_sign_ins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    failures_started_at: datetime | None = timestamp_field(nullable=True)
    locked_until: datetime | None = timestamp_field(nullable=True)


class Process(SQLModel, table=True):
    """A participation process (Verfahren), e.g. a district's digitalisation plan."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_type=sa.Text)
    moderation_mode: ModerationMode = Field(
        default=ModerationMode.BEFORE_PUBLISHING, sa_type=enum_column(ModerationMode)
    )
    # The channels through which this process takes contributions (values of `Channel`);
    # the online idea form is `idea_call`.
    open_channels: list[str] = Field(
        default_factory=lambda: [Channel.IDEA_CALL.value],
        sa_column=Column(JSON, nullable=False),
    )
    created_at: datetime = timestamp_field()
    updated_at: datetime | None = timestamp_field(nullable=True)
    # Kept by triggers (migration 0013): read it as a selected column, see get_process.
    published_idea_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The licence of the process's open-data download; None: no download is offered.
    data_licence: DataLicence | None = Field(
        default=None, sa_type=enum_column(DataLicence), nullable=True
    )
    # The Leichte-Sprache version of the description (Markdown), written by an admin; ""
    # means there is none, and the process page links no plain page.
    plain_description: str = Field(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    # The admin's plain help texts for the steps of the plain idea form, by the keys of
    # services/plain_help.py; a step without one shows the default text.
    plain_help: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default="{}"),
    )


class Phase(SQLModel, table=True):
    """A dated step of a process. The idea call's end is the deadline for new ideas."""

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    kind: PhaseKind = Field(sa_type=enum_column(PhaseKind))
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    position: int = 0


class Theme(SQLModel, table=True):
    """An action field (Handlungsfeld) of a process's taxonomy."""

    __table_args__ = (sa.UniqueConstraint("process_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=80)
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_type=sa.Text)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_organisation: str | None = Field(default=None, max_length=200)
    position: int = 0


class Contribution(SQLModel, table=True):
    """Anything a participant wrote: an idea, a comment, a free-text survey answer.

    Every contribution keeps its channel and the author's segment, so every view and
    export can be broken down by them. The follow token is kept only as a SHA-256 hash.
    """

    # The moderation queue lists one status, narrowed by process and kind, oldest first;
    # its counts group the same columns (services/moderation_queue.py). The ideas list reads
    # a process's published ideas in each of its orders from an index, and narrows them by
    # segment, channel or municipality (services/idea_list.py); an idea's page reads its
    # comments in order (migration 0012; tests/test_query_plans.py checks the plans).
    __table_args__ = (
        sa.Index("ix_contribution_queue", "status", "created_at", "id"),
        sa.Index("ix_contribution_queue_kind", "status", "kind", "created_at", "id"),
        sa.Index(
            "ix_contribution_queue_process", "status", "process_id", "kind", "created_at", "id"
        ),
        # The queue's counts per facet value read the waiting items from this index alone
        # (services/queue_filters.py; migration 0022).
        sa.Index(
            "ix_contribution_queue_facets",
            *("status", "process_id", "kind", "channel", "segment", "created_at", "id"),
        ),
        sa.Index(
            "ix_contribution_ideas_newest", "process_id", "kind", "status", "published_at", "id"
        ),
        sa.Index(
            "ix_contribution_ideas_supported",
            *("process_id", "kind", "status", "support_count", "published_at", "id"),
        ),
        sa.Index(
            "ix_contribution_ideas_discussed",
            *("process_id", "kind", "status", "comment_count", "published_at", "id"),
        ),
        sa.Index(
            "ix_contribution_ideas_segment", "process_id", "kind", "status", "segment", "channel"
        ),
        sa.Index(
            "ix_contribution_ideas_municipality", "process_id", "kind", "status", "municipality"
        ),
        sa.Index(
            "ix_contribution_comments",
            *("parent_id", "kind", "status", "reply_to_id", "created_at", "id"),
        ),
        # Triage (migration 0023): the same text again in a process within a time window,
        # and the queue's "possible spam" / "contains personal data" filters and counts.
        sa.Index("ix_contribution_text_hash", "process_id", "text_hash", "created_at"),
        # Sites (migration 0031): the queue's site filter; the dashboard's counts by site and
        # segment; one site's contributions by id (the export's pages, the site's removal).
        sa.Index("ix_contribution_queue_site", "status", "site_id", "created_at", "id"),
        sa.Index("ix_contribution_site", "process_id", "site_id", "segment"),
        sa.Index("ix_contribution_site_rows", "site_id", "id"),
        sa.Index(
            "ix_contribution_queue_triage",
            *("status", "process_id", "kind", "spam_flagged", "has_personal_data", "created_at"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    kind: ContributionKind = Field(
        default=ContributionKind.IDEA, sa_type=enum_column(ContributionKind)
    )
    # A comment's idea. A reply is a comment on the same idea with `reply_to_id` set to the
    # comment it answers (one level: replies to a reply answer the same top comment).
    parent_id: int | None = Field(default=None, foreign_key="contribution.id", ondelete="CASCADE")
    reply_to_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="CASCADE", index=True
    )
    title: str = Field(default="", max_length=200)
    body: str = Field(sa_type=sa.Text)
    segment: Segment = Field(sa_type=enum_column(Segment))
    channel: Channel = Field(default=Channel.IDEA_CALL, sa_type=enum_column(Channel))
    municipality: str | None = Field(default=None, max_length=120)
    # The site it came from (models/events.py), e.g. one school of an alliance. A site with
    # contributions cannot be removed (services/sites.py), so none is lost.
    site_id: int | None = Field(default=None, foreign_key="site.id")
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_sector: str | None = Field(default=None, max_length=120)
    organisation_size: str | None = Field(default=None, max_length=20)
    status: ContributionStatus = Field(
        default=ContributionStatus.PENDING, sa_type=enum_column(ContributionStatus)
    )
    # Counts every change a moderation form may be based on (status, text, answer). Each
    # form carries the version it was rendered from; a decision on another version is
    # refused, so a stale page cannot overturn a decision made meanwhile.
    version: int = 0
    # A merged contribution's kept idea (services/merging.py); the kept idea's page lists
    # the contributions merged into it by this column.
    duplicate_of_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL", index=True
    )
    # How unsure the tagger was about this contribution's themes (0 sure .. 1 unsure): the
    # moderation queue can put the most informative items first (active learning).
    theme_uncertainty: float | None = None
    follow_token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    consent_at: datetime | None = timestamp_field(nullable=True)
    # The moderators' public answer, shown on the idea's page and the follow link.
    answer: str = Field(default="", sa_type=sa.Text)
    answered_at: datetime | None = timestamp_field(nullable=True)
    # Optional, only with its own consent: where to send news about this contribution.
    notify_email: str | None = Field(default=None, max_length=254)
    notify_consent_at: datetime | None = timestamp_field(nullable=True)
    # The language the person used when submitting ("de", "en"): their e-mails are in it.
    notify_locale: str | None = Field(default=None, max_length=5)
    # Where an imported contribution came from (file and row, or the earlier platform's id).
    source_ref: str | None = Field(default=None, max_length=200)
    # Ratings carried over from an earlier platform, e.g. {"pro": 56, "neutral": 2,
    # "contra": 7}; supports given here are counted in `support`.
    imported_ratings: dict[str, int] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # Kept counts for lists (an idea's Support rows and its published comments and replies),
    # so no page counts per row. Database triggers keep them (migration 0011): every way a
    # support or a comment comes, goes or changes status moves them in the same transaction,
    # and concurrent changes add up. Read them fresh (as columns) when the session may hold
    # the row from before a change.
    support_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    comment_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Triage at submission (services/triage): the spam score (0..1; None: not scored yet)
    # and its reasons as codes with figures, e.g. [{"code": "links", "figure": 4}];
    # `spam_flagged` once the score reaches the queue's flag. The personal data found in the
    # text as spans ({"field": "body", "start", "end", "kind"}), found again after edits.
    # `text_hash`: the normalised text's hash, to find the same text submitted again.
    spam_score: float | None = None
    spam_reasons: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    spam_flagged: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    personal_data: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    has_personal_data: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    text_hash: str | None = Field(default=None, max_length=32)
    created_at: datetime = timestamp_field(index=True)
    published_at: datetime | None = timestamp_field(nullable=True)
    updated_at: datetime | None = timestamp_field(nullable=True)


class ContributionTheme(SQLModel, table=True):
    """A theme on a contribution: suggested by the tagger, or confirmed/rejected by a moderator."""

    __tablename__ = "contribution_theme"
    # The action-field filter of the ideas list: the ideas confirmed for one theme.
    __table_args__ = (
        sa.Index("ix_contribution_theme_confirmed", "theme_id", "source", "contribution_id"),
    )

    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")
    source: ThemeSource = Field(default=ThemeSource.SUGGESTED, sa_type=enum_column(ThemeSource))
    score: float | None = None
    model_version: str | None = Field(default=None, max_length=64)
    # The few words that drove a suggestion, shown to moderators as its reason.
    evidence: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ModerationEvent(SQLModel, table=True):
    """One line of the moderation log: who did what to which item, from which state to which,
    why and when. Rows are only added; for a theme decision the status stays the same and
    `reason` holds the theme's name.

    The log outlives its items: when an author deletes a contribution, its events stay with
    `contribution_id` empty and the id in `deleted_contribution_id`, and their free-text
    reasons (which may quote the text) are cleared (services/follow.py). The id is kept apart
    from the foreign key because SQLite may give a new row the id of a deleted one."""

    __tablename__ = "moderation_event"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="SET NULL"
    )
    deleted_contribution_id: int | None = None
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    action: ModerationAction = Field(sa_type=enum_column(ModerationAction))
    from_status: ContributionStatus = Field(sa_type=enum_column(ContributionStatus))
    to_status: ContributionStatus = Field(sa_type=enum_column(ContributionStatus))
    reason: str = Field(default="", sa_type=sa.Text)
    # What kind of rejection it was ("spam", "abuse"; None: another reason): the spam
    # classifier learns from these (services/triage/classifier.py).
    reason_code: str | None = Field(default=None, max_length=32)
    created_at: datetime = timestamp_field(index=True)


class Support(SQLModel, table=True):
    """One "Unterstützen" of an idea, without an account: one per browser, which is known
    only by the SHA-256 hash of a random id kept in a signed cookie."""

    __table_args__ = (sa.UniqueConstraint("contribution_id", "supporter_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    supporter_hash: str = Field(max_length=64)
    created_at: datetime = timestamp_field()


class Report(SQLModel, table=True):
    """A public "Melden" of an idea or comment, for the moderators to look at."""

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    reason: ReportReason = Field(sa_type=enum_column(ReportReason))
    note: str = Field(default="", sa_type=sa.Text)
    reporter_hash: str | None = Field(default=None, max_length=64)  # as for supports
    status: ReportStatus = Field(
        default=ReportStatus.OPEN, sa_type=enum_column(ReportStatus), index=True
    )
    created_at: datetime = timestamp_field()
    resolved_at: datetime | None = timestamp_field(nullable=True)
    resolved_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class AnalysisJob(SQLModel, table=True):
    """One background job for a process (clustering, retraining the theme tagger) and how it
    went. The row is the job's state: pages read it, the runner writes it."""

    __tablename__ = "analysis_job"

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    kind: JobKind = Field(sa_type=enum_column(JobKind))
    # What the person asked for beyond the kind, e.g. {"k": 12} groups for a clustering.
    params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_column(JobStatus), index=True)
    requested_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    # What a finished job did and why a failed one failed, for people: message ids with their
    # parameters as JSON (i18n.store_deferred), shown in the reader's language.
    summary: str = Field(default="", sa_type=sa.Text)
    error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = timestamp_field()
    started_at: datetime | None = timestamp_field(nullable=True)
    finished_at: datetime | None = timestamp_field(nullable=True)


class ClusterRun(SQLModel, table=True):
    """One clustering of a process's published ideas: its clusters and every idea's place."""

    __tablename__ = "cluster_run"

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    job_id: int | None = Field(default=None, foreign_key="analysis_job.id", ondelete="SET NULL")
    items: int  # ideas clustered
    k: int
    silhouette: float  # cosine silhouette of the chosen k; text rarely gets above 0.1
    seed: int = 0
    # How many of the items came through each channel (Channel values), kept with the run.
    channel_counts: dict[str, int] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # Which contributions were grouped (services/cluster_scope.py: channels, segments, an
    # action field with its name then); None: all of them.
    scope: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = timestamp_field()
    # When a moderator last renamed, merged or rearranged its groups (services/cluster_edits.py):
    # a new run would discard that work, so it is only started when asked to.
    edited_at: datetime | None = timestamp_field(nullable=True)
    edited_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class Cluster(SQLModel, table=True):
    """A group of similar ideas in a run, named by its top terms (class-based TF-IDF)."""

    __table_args__ = (sa.UniqueConstraint("run_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="cluster_run.id", index=True, ondelete="CASCADE")
    position: int  # 0 is the largest cluster
    name: str = Field(max_length=200)
    top_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    size: int
    # The ideas nearest to the cluster's centre, nearest first.
    representative_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class ClusterMember(SQLModel, table=True):
    """An idea's cluster in a run and its place on the run's 2-D map."""

    __tablename__ = "cluster_member"

    run_id: int = Field(foreign_key="cluster_run.id", primary_key=True, ondelete="CASCADE")
    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    x: float
    y: float


# --- public variants (what the JSON API returns) --------------------------------------------


class PhasePublic(SQLModel):
    kind: PhaseKind
    title: str
    starts_at: datetime
    ends_at: datetime


class ProcessPublic(SQLModel):
    slug: str
    title: str
    summary: str
    description: str
    current_phase: PhasePublic | None
    deadline: datetime | None
    accepts_ideas: bool
    published_ideas: int


class ContributionPublic(SQLModel):
    id: int
    kind: ContributionKind
    title: str
    body: str
    segment: Segment
    channel: Channel
    municipality: str | None
    themes: list[str]
    created_at: datetime
    published_at: datetime | None
    site_id: int | None = None  # the site it came from, where the process has sites
    supports: int = 0
    comments: int = 0  # published ones


class ContributionPage(SQLModel):
    items: list[ContributionPublic]
    page: int
    pages: int
    total: int
    per_page: int = 20


class QueueItemPublic(SQLModel):
    id: int
    kind: ContributionKind
    version: int  # what a moderation decision on it must name (see Contribution.version)
    process_slug: str
    title: str
    body: str
    segment: Segment
    channel: Channel
    created_at: datetime


class CommentPublic(SQLModel):
    """A published comment on an idea; a reply has `reply_to` set to its top comment."""

    id: int
    body: str
    segment: Segment
    reply_to: int | None
    created_at: datetime
    published_at: datetime | None


class CommentThreadPublic(SQLModel):
    comment: CommentPublic
    replies: list[CommentPublic]


class CommentPage(SQLModel):
    """Top-level comments, oldest first, each with its published replies."""

    items: list[CommentThreadPublic]
    page: int
    pages: int
    total: int  # top-level comments
