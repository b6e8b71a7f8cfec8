"""Project profiles (Steckbriefe), by concern:

- `fields`: the edit form, its checks, and the snapshot a revision keeps
- `editing`: create and save (every save a revision; conflicts refused), status, restore
- `sources`: the contributions a profile was built from, with a kept count
- `history`: the revisions with a readable diff per field
- `working_group`: the staff members on a profile and their internal comments
- `listing`: the staff list of a process's profiles, with filters and counts
- `access`: who may create, edit and read
"""
