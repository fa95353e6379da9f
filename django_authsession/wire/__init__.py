"""Better Auth's byte formats, and nothing else: the signed ``session_token`` value
(:mod:`.signing`), the ``session_data`` cookie cache codec (:mod:`.cookie_cache`), its chunking
(:mod:`.chunks`) sized with the cookies' attributes (:mod:`.attributes`), the ``JSON.stringify``
writer it signs with (:mod:`.jsjson`), and the JSON shapes of session and user (:mod:`.shapes`).

Pure functions of their arguments: this package imports nothing else of ``django_authsession``
and no DRF (a test holds it to that), so it can be read, tested and reused on its own."""
