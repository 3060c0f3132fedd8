"""The IPT between-session assistant: settings, NLP, launcher and (later) storage and content."""
