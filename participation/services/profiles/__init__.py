"""Project profiles (Steckbriefe), by concern:

- `fields`: the edit form, its checks, and the snapshot a revision keeps
- `editing`: create and save (every save a revision; conflicts refused), status, restore
- `sources`: the contributions a profile was built from, with a kept count
- `history`: the revisions with a readable diff per field
- `working_group`: the staff members on a profile and their internal comments
- `listing`: the staff list of a process's profiles, with filters and counts
- `drafting`: profiles started from a cluster or a selection, with a draft summary
- `access`: who may create, edit and read
- `breakdown`: whose contributions a profile rests on, by segment and channel
- `public`: what the public sees of a process's profiles (lists, one profile, its sources)
- `sheet`: the one-page PDF of a profile
- `export`: a process's profiles with their sources and indicators as CSV or XLSX
- `notices`: telling authors that their idea went into a published profile
"""
