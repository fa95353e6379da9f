"""Benchmarks of django_authsession (see run.sh)."""
