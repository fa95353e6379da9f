"""Better Auth's admin plugin, session side: list and revoke a user's sessions, ban and unban,
impersonate and stop, under ``/api/auth/admin/``; allowed by Django permissions, never by a
role the client sends. Add ``"django_authsession.admin_api"`` to ``INSTALLED_APPS`` (and
migrate) to serve them; a project without it pays nothing."""
