"""Triage of new contributions, locally and explainably (issue 21, §3):

- `scoring`: the spam/abuse score of every new contribution (nlp/spam.py's signals, the
  same text again in the process, insults, the process's own classifier) with its reasons,
  the personal data found in its text, and holding back high scores in "after publishing"
  processes. Every place that creates contributions calls `triage_new`.
- `insults`: the words moderators add to the shipped list, per process or for all.
- `classifier`: training the spam classifier on a process's moderation decisions, in the
  background like the theme model.
- `redaction`: publishing with "[entfernt]", the kept original for its author, and its
  deletion with the retention period.
- `view`: the flag's reasons in words and the text with its spans marked, for the pages.
- `rescore`: scoring existing contributions in batches (`participation triage rescore`).
"""
