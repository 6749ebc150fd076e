"""The product's use cases, between the model (engine/, innovation/) and the entrypoints.

Entrypoints (api/, ui/, cli/, workers/) translate HTTP requests, pages, command lines and
queue messages into calls of these modules and never decide a rule themselves:

- ``settings``: the one settings object, read once at start-up;
- ``assembly``: the engine wired with the innovation model;
- ``accounts``: users, roles and API tokens; ``access``: who may do what, task actions;
- ``portfolio``: instances with their initiatives, the inbox, the public database,
  statistics, aborting an initiative; ``monitoring``: read models for watching instances;
- ``modeling``: previews and checks for process owners; ``demo``: the demo initiatives.
"""
