"""Sites and events of a process (models/events.py): `sites` adds, renames and removes a
process's sites; `events` keeps its events and reads an event's public page; `session_place`
sets a live session's site and event and carries the site onto the session's contributions."""
