"""Sessions: the ``X-Session-ID`` mechanism (CONTRACT.md "Sessions and identity").

A session id is a client-held UUID; the server stores only its SHA-256
digest. Reads go through ``selectors.session_resolve`` (expiry, throttled
last-seen); writes through ``services``. Ending a session deletes its row,
so the old id is from then on an unknown, anonymous one.
"""
