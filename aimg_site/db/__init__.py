"""Database backends of the project (``DATABASES["default"]["ENGINE"]``)."""
