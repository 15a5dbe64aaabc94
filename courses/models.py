from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Page,
    PreviewableMixin,
    RevisionMixin,
)
from wagtail.search import index

from courses.blocks import (
    KnowledgeCheckBlock,
    ScenarioBlock,
    questions_to_data,
    scenario_to_data,
)
from courses.quiz_rules import validate_knowledge_check


class Touchpoint(models.TextChoices):
    SALES = "sales", _("Sales")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    RETURNS = "returns", _("Returns")
    RECALL = "recall", _("Recall")
    OTHER = "other", _("Other")


class MissingE(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement")
    EDUCATION = "education", _("Education")
    EMPOWERMENT = "empowerment", _("Empowerment")


class Story(
    PreviewableMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, models.Model
):
    """A real customer-service failure: the raw material of a module."""

    title = models.CharField(max_length=200, unique=True)
    summary = models.TextField(max_length=1000)
    source = models.CharField(max_length=300, blank=True, help_text=_("Where it was told."))
    touchpoint = models.CharField(max_length=20, choices=Touchpoint.choices)
    missing_e = models.CharField(
        _("missing E"),
        max_length=20,
        choices=MissingE.choices,
        help_text=_("Which of the three E's was missing."),
    )
    body = models.TextField(
        blank=True, help_text=_("The story in full; blank lines separate paragraphs.")
    )
    submitted_by = models.ForeignKey(
        "home.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Set when an employee submitted the story."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("touchpoint"), FieldPanel("missing_e")]),
        FieldPanel("source"),
        FieldPanel("body"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("summary"),
        index.AutocompleteField("title"),
        index.FilterField("touchpoint"),
        index.FilterField("missing_e"),
    ]

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("stories")

    def __str__(self):
        return self.title

    def get_preview_template(self, request, mode_name):
        return "courses/story_preview.html"


class CourseIndexPage(Page):
    """The catalogue of courses."""

    introduction = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            CoursePage.objects.child_of(self).live().public().defer_streamfields().order_by("path")
        )
        return context


class CoursePage(Page):
    """An ongoing programme: ordered modules, a certificate and its validity."""

    introduction = RichTextField(features=["bold", "italic", "link", "ul"], blank=True)
    audience = models.CharField(max_length=200, blank=True, help_text=_("Who it is for."))
    certificate_title = models.CharField(max_length=200, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        default=0, help_text=_("Months before recertification; 0 = never expires.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("audience"),
        MultiFieldPanel(
            [FieldPanel("certificate_title"), FieldPanel("validity_months")],
            heading=_("Certificate"),
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")

    def modules(self):
        """The live modules in the trainer's order."""
        return ModulePage.objects.child_of(self).live().defer_streamfields().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        modules = list(self.modules())
        context["modules"] = modules
        context["estimated_minutes"] = sum(m.estimated_minutes for m in modules)
        return context


class ModulePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        if getattr(self, "is_deferred_validation", False):
            return cleaned  # a draft may be unfinished
        questions = cleaned.get("knowledge_check")
        pass_mark = cleaned.get("pass_mark") or 0
        if questions is not None:
            for problem in validate_knowledge_check(questions_to_data(questions), pass_mark):
                if problem.path == "pass_mark":
                    self.add_error("pass_mark", problem.message)
        return cleaned


class ModulePage(Page):
    """One scenario drawn from a story, its knowledge check and a reflection."""

    base_form_class = ModulePageForm

    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="modules")
    introduction = models.TextField(blank=True, max_length=2000)
    objectives = models.TextField(help_text=_("One learning objective per line."))
    estimated_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    scenario = StreamField(ScenarioBlock(), help_text=_("The first scene is the start."))
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text=_("Percent to pass.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, help_text=_("Knowledge-check attempts allowed; 0 = unlimited.")
    )
    knowledge_check = StreamField(KnowledgeCheckBlock(), blank=True)
    reflection_prompt = models.TextField(max_length=1000)
    reflection_required = models.BooleanField(default=True)

    content_panels = Page.content_panels + [
        FieldPanel("story"),
        FieldPanel("introduction"),
        FieldPanel("objectives"),
        FieldPanel("estimated_minutes"),
        FieldPanel("scenario"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts")]),
                FieldPanel("knowledge_check"),
            ],
            heading=_("Knowledge check"),
        ),
        MultiFieldPanel(
            [FieldPanel("reflection_prompt"), FieldPanel("reflection_required")],
            heading=_("Reflection"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("module")

    preview_modes = [("", _("Overview")), ("play", _("Play the draft"))]

    def serve_preview(self, request, mode_name):
        if mode_name == "play":
            scenes = self.scenario_data()
            return TemplateResponse(
                request,
                "courses/module_preview_play.html",
                {"page": self, "scenes": scenes, "start": scenes[0]["key"] if scenes else ""},
            )
        return super().serve_preview(request, mode_name)

    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    def scenario_data(self) -> list[dict]:
        return scenario_to_data(self.scenario)

    def questions_data(self) -> list[dict]:
        return questions_to_data(self.knowledge_check)
