"""The shared API layer every app imports.

- ``exceptions``: typed domain errors and the one EXCEPTION_HANDLER.
- ``envelope``: the response envelope and its renderer.
- ``params``: query/body parameter parsing with 400s that name the parameter.
- ``views``: ``ApiView``, the base of one-view-per-documented-endpoint.
- ``authentication``: ``X-Session-ID`` and ``X-Administration-Key``.
- ``pagination``: the Annex's keyset/skip paginator.
- ``ratelimit``: named, cache-backed rate limits.
- ``schema``: drf-spectacular glue (envelope in every response schema).
"""
