"""Watched sessions: the security history of each account, known devices with new-device
alerts, and where sessions are used from.

A Django app of its own (label ``authsession_activity``): add
``"django_authsession.activity"`` to ``INSTALLED_APPS`` after ``"django_authsession"``. A
project without it has no extra tables, and its request path does no extra work.
"""
