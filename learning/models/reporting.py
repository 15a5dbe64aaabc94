"""What the dashboards' cache keys hang on."""

from django.db import models


class DashboardVersion(models.Model):
    """One row whose counter moves on whenever data a dashboard shows changes.

    Kept in the database rather than in the cache so every process (and every server) agrees
    on it whatever cache backend runs: a figure cached under an older number is never read.
    """

    counter = models.BigIntegerField(default=0)

    def __str__(self):
        return f"dashboard data version {self.counter}"
