"""What the assistant keeps for a client's therapist: SQLAlchemy models, the
database connection, Alembic migrations, and one repository per kind of record.
Actions call the repositories; nothing else touches the tables.
"""
