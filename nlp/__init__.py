"""German text analysis for participation data: a pure library (text in, numbers and labels out).

It never imports the web app and never touches the database.
"""
