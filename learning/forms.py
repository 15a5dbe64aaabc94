"""Forms people fill in on the learning pages. They parse input; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import MissingE, Touchpoint

# The three E's, said the way a colleague would say them.
MISSING_E_CHOICES = [
    (
        MissingE.ENGAGEMENT,
        _("Engagement: someone listening, caring and treating the customer as a person"),
    ),
    (
        MissingE.EDUCATION,
        _("Education: someone knowing how things work, or explaining them to the customer"),
    ),
    (
        MissingE.EMPOWERMENT,
        _("Empowerment: someone being allowed and able to put things right there and then"),
    ),
]


class StorySubmitForm(forms.Form):
    label_suffix = ""  # the labels are questions and short phrases of their own

    title = forms.CharField(
        label=_("Give it a short title"),
        max_length=200,
        help_text=_('For example: "Billed for a car I had returned".'),
    )
    summary = forms.CharField(
        label=_("What happened?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In two or three sentences: what the customer needed, and what went wrong."),
    )
    source = forms.CharField(
        label=_("Where did it happen? (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: at the Leeds showroom, on the phone, in an online review."),
    )
    touchpoint = forms.ChoiceField(
        label=_("At which step of the customer's journey?"),
        choices=[("", _("Choose a step"))] + list(Touchpoint.choices),
    )
    missing_e = forms.ChoiceField(
        label=_("What would have helped most?"),
        choices=MISSING_E_CHOICES,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("The full story (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Anything else worth knowing. Leave a blank line between paragraphs. Please leave "
            "out customers' names and contact details."
        ),
    )
    anonymous = forms.BooleanField(
        label=_("Keep my name from my manager"),
        required=False,
        help_text=_(
            "Your manager will not see that this story is yours. The trainers who turn stories "
            "into modules still see who sent it, so that they can ask you about it."
        ),
    )


class DashboardFilterForm(forms.Form):
    """The team dashboard's filters, read from the query string.

    Units and campaigns are offered from the viewer's own; a unit or campaign id outside them
    passes the form and is refused by the scope (404), so nothing confirms it exists.
    """

    label_suffix = ""

    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1, widget=forms.Select)
    campaign = forms.IntegerField(
        label=_("Campaign"), required=False, min_value=1, widget=forms.Select
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("overdue", _("Overdue")),
            ("not_started", _("Not started")),
            ("in_progress", _("In progress")),
            ("completed", _("Completed every module")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("unit", _("Unit")),
            ("-completion", _("Most modules completed")),
            ("completion", _("Fewest modules completed")),
            ("-score", _("Highest average score")),
            ("score", _("Lowest average score")),
        ],
    )

    def __init__(self, data=None, *, units=(), campaigns=(), **kwargs):
        super().__init__(data, **kwargs)
        unit_choices = [("", _("All my units"))] + [
            (unit.pk, "\u2003" * max(unit.depth - 1, 0) + unit.name) for unit in units
        ]
        wanted = (data or {}).get("unit")
        if wanted and wanted.isdigit() and int(wanted) not in {unit.pk for unit in units}:
            # a unit reached by drilling down, below the ones listed: keep it selectable
            unit_choices.append((int(wanted), _("The unit you opened")))
        self.fields["unit"].widget.choices = unit_choices
        self.fields["campaign"].widget.choices = [("", _("All campaigns"))] + [
            (campaign.pk, campaign.name) for campaign in campaigns
        ]

    def cleaned_or_default(self) -> dict:
        """The valid filters; a field with an error falls back to its default."""
        values = {"unit": None, "campaign": None, "status": "", "sort": "name"}
        if not self.is_bound:
            return values
        self.is_valid()
        for name in values:
            if name not in self.errors and self.cleaned_data.get(name) not in (None, ""):
                values[name] = self.cleaned_data[name]
        return values
