"""One factory per model, one module per app: ``accounts`` (users, sessions), ``library`` (items,
folders, tags). Tests import from the app's module."""
