"""The campaign screens HR uses in the Wagtail admin: a course, an org subtree, and its waves."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    ObjectList,
    PageChooserPanel,
)
from wagtail.admin.ui.tables import Column, StatusFlagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from home import roles
from learning.models import BAND_RANK, Band, Campaign, OrgUnit
from learning.permissions import user_can_manage_campaigns

# --- the rules a campaign's waves follow (pure: plain values in, problems out) -------------------


@dataclass(frozen=True)
class WavePlan:
    band: str
    opens_on: date
    due_on: date
    gate_percent: int | None = None


@dataclass(frozen=True)
class WaveProblem:
    index: int  # the wave's position, in the campaign's order
    field: str
    message: str


def wave_problems(waves: Sequence[WavePlan]) -> list[WaveProblem]:
    """What is wrong with a campaign's waves, in order, each tied to a wave and a field."""
    problems = []
    for index, wave in enumerate(waves):
        if wave.due_on < wave.opens_on:
            message = _("The due date is before the opening date. Give people time in between.")
            problems.append(WaveProblem(index, "due_on", message))
        if index == 0:
            if wave.gate_percent is not None:
                message = _(
                    "The first wave has no wave before it to wait for: leave the gate empty."
                )
                problems.append(WaveProblem(index, "gate_percent", message))
            continue
        before = waves[index - 1]
        if BAND_RANK[Band(wave.band)] < BAND_RANK[Band(before.band)]:
            message = _(
                "This wave reaches people higher up than the wave before it (%(before)s). "
                "Waves go top down: leadership, then managers, then everyone else."
            ) % {"before": Band(before.band).label}
            problems.append(WaveProblem(index, "band", message))
        if wave.opens_on < before.opens_on:
            message = _(
                "This wave opens before the wave before it (%(date)s). Waves open in order: "
                "change the dates or the order of the waves."
            ) % {"date": date_format(before.opens_on, "DATE_FORMAT")}
            problems.append(WaveProblem(index, "opens_on", message))
    return problems


# --- forms -------------------------------------------------------------------------------------


class WaveFormSet(BaseChildFormSet):
    """The campaign's waves; their order and dates are checked together, shown at the fields."""

    default_error_messages = {
        **BaseChildFormSet.default_error_messages,
        "too_few_forms": gettext_lazy(
            "Add at least one wave: it says who the campaign reaches and by when."
        ),
    }

    def clean(self):
        super().clean()
        if any(self.errors):
            return  # each wave's own fields first
        waves = self.ordered_forms
        if not waves:
            raise ValidationError(self.error_messages["too_few_forms"])
        plans = [
            WavePlan(
                band=form.cleaned_data["band"],
                opens_on=form.cleaned_data["opens_on"],
                due_on=form.cleaned_data["due_on"],
                gate_percent=form.cleaned_data.get("gate_percent"),
            )
            for form in waves
        ]
        for problem in wave_problems(plans):
            waves[problem.index].add_error(problem.field, problem.message)


class WaveInlinePanel(InlinePanel):
    """An InlinePanel whose formset checks the waves as a whole."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = WaveFormSet
        return options


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class CampaignForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            old = self.fields["unit"]
            # in tree order, so each unit sits under its parent
            self.fields["unit"] = UnitChoiceField(
                queryset=OrgUnit.objects.order_by("path"),
                label=old.label,
                help_text=old.help_text,
                required=old.required,
                empty_label=_("Choose the unit the campaign reaches"),
            )


# --- who may use these screens ------------------------------------------------------------------


class CampaignPermissionPolicy(BasePermissionPolicy):
    """HR and superusers may do everything with campaigns; nobody else anything."""

    def user_has_permission(self, user, action):
        return user_can_manage_campaigns(user)

    def user_has_any_permission(self, user, actions):
        return user_can_manage_campaigns(user)

    def users_with_any_permission(self, actions):
        from home.models import User

        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=roles.HR), is_active=True
        ).distinct()


# --- views -------------------------------------------------------------------------------------


def _after_save(campaign: Campaign) -> None:
    # imported here: rollout imports much of the project, and this module loads with the admin
    from learning.services.rollout import campaign_after_save

    campaign_after_save(campaign=campaign)


class CampaignIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("course", "unit")
            .annotate(waves_count=Count("waves"))
        )


class CampaignCreateView(generic.CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        campaign = super().save_instance()  # in the view's transaction, with the waves
        _after_save(campaign)
        return campaign


class CampaignEditView(generic.EditView):
    def save_instance(self):
        campaign = super().save_instance()
        _after_save(campaign)
        return campaign


class CampaignDeleteView(generic.DeleteView):
    """A campaign that assigned the course to people stays: their records depend on it."""

    def _refuse_if_in_use(self):
        if self.object.assignments.exists():
            messages.error(
                self.request,
                _(
                    "This campaign has already assigned the course to people, so it cannot be "
                    "deleted: their learning records would go with it. Untick Active to stop it."
                ),
            )
            return redirect(self.edit_url_name, self.object.pk)
        return None

    def get(self, request, *args, **kwargs):
        return self._refuse_if_in_use() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refuse_if_in_use() or super().post(request, *args, **kwargs)


class CampaignViewSet(ModelViewSet):
    model = Campaign
    icon = "date"
    menu_label = gettext_lazy("Campaigns")
    menu_order = 310
    add_to_admin_menu = True
    copy_view_enabled = False  # a copy would share nothing sensible: new waves, new dates
    index_view_class = CampaignIndexView
    add_view_class = CampaignCreateView
    edit_view_class = CampaignEditView
    delete_view_class = CampaignDeleteView
    search_fields = ["name"]
    list_filter = ["active"]
    list_display = [
        "name",
        "course",
        "unit",
        Column("waves_count", label=gettext_lazy("Waves"), sort_key="waves_count"),
        StatusFlagColumn(
            "active",
            label=gettext_lazy("Status"),
            true_label=gettext_lazy("Active"),
            false_label=gettext_lazy("Stopped"),
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            PageChooserPanel("course", "courses.CoursePage"),
            FieldPanel("unit"),
            FieldRowPanel([FieldPanel("reminder_days"), FieldPanel("late_joiner_days")]),
            FieldPanel("active"),
            WaveInlinePanel(
                "waves",
                heading=gettext_lazy("Waves, from the top down"),
                label=gettext_lazy("Wave"),
                min_num=1,
                panels=[
                    FieldPanel("name"),
                    FieldPanel("band"),
                    FieldRowPanel([FieldPanel("opens_on"), FieldPanel("due_on")]),
                    FieldPanel("gate_percent"),
                ],
            ),
        ],
        base_form_class=CampaignForm,
    )

    @property
    def permission_policy(self):
        return CampaignPermissionPolicy(self.model)

    def get_permissions_to_register(self):
        # access follows learning.permissions, not group permissions: nothing to assign
        return Permission.objects.none()
