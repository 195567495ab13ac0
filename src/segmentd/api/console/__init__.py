"""The web console: a single page served at ``/`` that is a client of the ``/api/v2`` API.

The browser signs in with an access token, which the server keeps in an HttpOnly,
SameSite=Strict cookie (:mod:`.session`); the page's scripts then call the same endpoints as
any other client, with that cookie and a CSRF header instead of ``Authorization``.
"""
