"""Between-session logging: understanding what a client types into an entry."""
