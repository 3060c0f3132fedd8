"""Rasa custom actions, served by the action server (`rasa run actions --actions actions`).

Actions stay thin: each does one job and calls into `bot/` for the logic. The
starting conversation needs none (it is all responses in domain.yml, so it keeps
working when the action server is down); the logging and review features add
their actions here as modules of this package.
"""
