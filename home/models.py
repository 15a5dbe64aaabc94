from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from home.blocks import BaseStreamBlock


class UserManager(BaseUserManager):
    """Email is the identifier: accounts come from the company's org import."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="home_user_email_ci_unique"),
        ]

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def display_name(self):
        return self.get_full_name() or self.email


class HomePage(Page):
    """The site root: what the programme is, and each person's next step."""

    hero_heading = models.CharField(max_length=120)
    hero_text = RichTextField(features=["bold", "italic", "link"], blank=True)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_heading"), FieldPanel("hero_text")], heading=_("Hero")),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("hero_text")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.StandardPage", "courses.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from home.selectors import next_step_for

        context = super().get_context(request, *args, **kwargs)
        context["next_step"] = next_step_for(request.user)
        return context


class StandardPage(Page):
    """A plain content page: the programme's background, help, privacy notice."""

    introduction = models.TextField(blank=True)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


@register_setting(icon="site")
class BrandingSettings(BaseGenericSetting):
    """What the site and certificates say about the organisation; edited by HR."""

    organisation_name = models.CharField(max_length=120, default="Northwind Motors")
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    support_email = models.EmailField(
        blank=True, help_text=_("Shown to learners who need help with their account.")
    )
    footer_text = models.CharField(max_length=255, blank=True)
    signatory_name = models.CharField(
        _("signatory"),
        max_length=120,
        blank=True,
        help_text=_("The person who signs certificates, for example the Head of Customer Care."),
    )
    signatory_title = models.CharField(_("signatory's title"), max_length=120, blank=True)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A scan of the signature, on a transparent or white background."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#0b5394",
        validators=[
            RegexValidator(
                r"^#[0-9a-fA-F]{6}$", _("Give the colour as # and six hex digits, like #0b5394.")
            )
        ],
        help_text=_("Used on certificates. Dark enough for white text on it."),
    )

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("logo"),
        FieldPanel("support_email"),
        FieldPanel("footer_text"),
        MultiFieldPanel(
            [
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title"),
                FieldPanel("signature"),
                FieldPanel("accent_colour"),
            ],
            heading=_("Certificates"),
        ),
    ]

    class Meta:
        verbose_name = _("branding")
