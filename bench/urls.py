"""The site's URLs plus a minimal view, the yardstick the benchmarks compare against."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ping", ping), *site_urlpatterns]
