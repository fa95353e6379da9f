"""The example project's URLs plus two of the benchmark's plain views, which
tests/test_workers.py uses to hold a worker busy (a POST whose body it withholds) and to probe
which worker answers; the example project itself mounts no benchmark views."""

from django.urls import path

from bench import views
from example_project.urls import urlpatterns as example_urlpatterns

urlpatterns = [
    *example_urlpatterns,
    path("bench/ok", views.OkView.as_view(), name="bench-ok"),
    path("bench/peer-login", views.PeerLoginView.as_view(), name="bench-peer-login"),
]
