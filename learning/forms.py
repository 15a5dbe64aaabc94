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
