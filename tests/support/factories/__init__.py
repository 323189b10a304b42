"""One factory per model, one module per app: ``accounts`` (users, sessions), ``library`` (items,
folders, tags), ``billing`` (subscriptions: ``give_tier(user, 2)`` makes a PRO user). Tests import
from the app's module."""
