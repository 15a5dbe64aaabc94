"""Every URL pattern of the project, found by walking the resolver, and the ones left out.

Left out, each for a stated reason:
- the Wagtail admin's own screens under `admin/` (Wagtail's permissions, not ours); the
  project's screens there (hooks and viewsets) stay: their view lives in one of our apps;
- `documents/` (Wagtail's document serving) and Wagtail's page serving, the catch-all;
- the static and media routes added when DEBUG is on.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_APPS = ("home.", "courses.", "assessments.", "learning.")
SKIPPED_URLCONFS = {"wagtail.urls", "wagtail.documents.urls"}
DEBUG_ONLY_VIEWS = {"django.views.static", "django.contrib.staticfiles.views"}


@dataclass(frozen=True)
class Route:
    route: str  # the whole pattern, as the resolver joins it
    name: str | None  # "namespace:name" when it has one
    module: str  # the module of the view

    @property
    def key(self) -> str:
        """What the matrix is keyed by: the name, or the route for an unnamed pattern."""
        return self.name or self.route


def view_module(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return view_class.__module__
    wrapped = callback
    while hasattr(wrapped, "__wrapped__"):
        wrapped = wrapped.__wrapped__
    return getattr(wrapped, "__module__", "") or ""


def _urlconf_name(resolver: URLResolver) -> str:
    name = resolver.urlconf_name
    return name if isinstance(name, str) else getattr(name, "__name__", "")


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if _urlconf_name(entry) in SKIPPED_URLCONFS:
                continue
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(prefix + str(entry.pattern), name, view_module(entry.callback))


def is_project_route(route: Route) -> bool:
    if route.module in DEBUG_ONLY_VIEWS:
        return False
    if route.route.startswith("admin/"):
        return route.module.startswith(PROJECT_APPS)
    return True


def project_routes(patterns=None) -> list[Route]:
    """The swept routes, in URLconf order."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    return [route for route in walk(patterns) if is_project_route(route)]


def unlisted(routes, matrix) -> list[Route]:
    """The routes the matrix says nothing about: each must be given an entry."""
    return [route for route in routes if route.key not in matrix]


def stale(routes, matrix) -> list[str]:
    """Matrix entries no route answers to any more (renamed or removed URLs)."""
    keys = {route.key for route in routes}
    return sorted(key for key in matrix if key not in keys)
