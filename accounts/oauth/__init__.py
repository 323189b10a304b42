"""OAuth sign-in (``POST /auth/{loginProvider}``) on top of django-allauth.

allauth does the OAuth 2.0 handshake (state, code exchange, profile fetch);
this package decides which user the provider's identity belongs to within
the request's domain, signs them in on a new ``X-Session-ID``, and hands the
result back to the front end (see ``adapters`` and ``services``).
"""
