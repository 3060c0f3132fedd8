"""Rasa custom actions, served by `rasa run actions` (started by `make run`).

Thin by design: each action reads the tracker, calls into `bot/`, and says what
happened. Database work runs in a worker thread, never on the event loop.
"""
