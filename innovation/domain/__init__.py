"""The pure domain layer: plain dataclasses and functions, no framework or engine imports.

Keeping the rules here lets them be tested in milliseconds and reused by the engine,
the API and the public innovation database alike.
"""
