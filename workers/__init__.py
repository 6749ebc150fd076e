"""Background work: service-task jobs and timers, on rq and Redis or in-process.

The database is the source of truth for both; Redis only carries wake-up calls, so a
lost queue, a dead worker or a second scheduler never loses or repeats work.
"""
