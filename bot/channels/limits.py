"""What every channel accepts from a person."""

# The longest message a person types in a chat box; longer is an abuse of the
# channel, and Rasa would otherwise read, store and encrypt all of it.
MAX_MESSAGE_CHARS = 5000
