"""Admin menu entries that only the people a predicate allows can see."""

from collections.abc import Callable

from wagtail.admin.menu import MenuItem


class PermittedMenuItem(MenuItem):
    """A menu item shown when `allowed(user)` says so (one of the named predicates)."""

    def __init__(self, label, url, *, allowed: Callable[[object], bool], **kwargs):
        super().__init__(label, url, **kwargs)
        self.allowed = allowed

    def is_shown(self, request):
        return self.allowed(request.user)
