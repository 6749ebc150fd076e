"""Persistence and engine glue for the innovation domain (SQLAlchemy lives here, not in domain/)."""
