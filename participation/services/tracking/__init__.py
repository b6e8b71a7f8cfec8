"""What becomes of a published project profile (Umsetzung), by concern:

- `access`: who records updates (admins, and the editors of the profile's working group)
- `inputs`: percentages, days and German decimals ("12,5") from forms, with clear messages
- `updates`: the service API: progress, status, milestones, indicator values and notes;
  every change writes one entry of the public timeline (`ProfileUpdate`)
- `timeline`: what the public profile page and the staff page show of it
- `notices`: news of each update for the sources' authors who consented, collected into at
  most one mail per address and day (`collect_daily`, run by participation/tracking_task.py)
"""

from participation.services.tracking.access import NotAllowed, may_track
from participation.services.tracking.notices import collect_daily
from participation.services.tracking.updates import (
    add_milestone,
    add_note,
    change_milestone,
    change_status,
    reach_milestone,
    record_progress,
    record_value,
    remove_milestone,
)

__all__ = [
    "NotAllowed",
    "add_milestone",
    "add_note",
    "change_milestone",
    "change_status",
    "collect_daily",
    "may_track",
    "reach_milestone",
    "record_progress",
    "record_value",
    "remove_milestone",
]
