"""The organisation: a tree of units, the people in them, and the HR imports that shape it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

UNIT_PATH_SEPARATOR = "/"


class OrgUnit(MP_Node):
    """A unit of the company (company, division, region, team...), in a materialised-path tree.

    `path` (treebeard's) makes "this unit and everything below it" one indexed prefix query;
    `full_name` is the human path HR files use (`Northwind/Sales/North`), unique.
    """

    name = models.CharField(_("name"), max_length=120)
    full_name = models.CharField(_("unit path"), max_length=600, unique=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_units",
        verbose_name=_("managers"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self):
        return self.full_name


class EmployeeProfile(models.Model):
    """What HR knows about a person: their id, title and primary unit. Leavers stay, inactive."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    employee_id = models.CharField(_("employee id"), max_length=40, unique=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("primary unit"),
    )
    is_manager = models.BooleanField(_("manages their unit"), default=False)
    active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employee profile")
        verbose_name_plural = _("employee profiles")
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self):
        return f"{self.employee_id} · {self.user}"


class OrgImport(models.Model):
    """One HR upload: checked and previewed first, applied on confirmation; kept as a log."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    filename = models.CharField(max_length=255)
    content = models.BinaryField()  # the uploaded file, applied exactly as previewed
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict)  # counts of the planned (or applied) changes
    problems = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("org import")
        verbose_name_plural = _("org imports")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
