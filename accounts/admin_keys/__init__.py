"""Admin keys: creation, revocation (``services``) and lookup (``selectors``) of ``X-Administration-Key`` values."""
