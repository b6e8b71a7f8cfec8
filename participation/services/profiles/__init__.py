"""Project profiles (Steckbriefe): the rules and queries behind their pages, API and files.

- `breakdown`: whose contributions a profile rests on, by segment and channel.
- `public`: what the public sees of a process's profiles (lists, one profile, its sources).
- `export`: a process's profiles with their sources and indicators as CSV or XLSX.
- `notices`: telling authors that their idea went into a published profile.
"""
