from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))], default="h2"
    )

    class Meta:
        icon = "title"
        template = "home/blocks/heading_block.html"
        label = _("Heading")
        preview_value = {"text": "Why every conversation matters", "level": "h2"}


class PillarBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=60)
    text = blocks.TextBlock()
    icon = blocks.ChoiceBlock(
        choices=[
            ("engage", _("Engagement")),
            ("educate", _("Education")),
            ("empower", _("Empowerment")),
        ]
    )

    class Meta:
        icon = "pick"
        label = _("Pillar")


class PillarsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    pillars = blocks.ListBlock(PillarBlock(), min_num=1, max_num=4)

    class Meta:
        icon = "table"
        template = "home/blocks/pillars_block.html"
        label = _("Pillars")
        description = _("Up to four short cards, side by side on wide screens.")
        preview_value = {
            "heading": "The three E's",
            "pillars": [
                {"title": "Engage", "text": "Care about the customer.", "icon": "engage"},
                {"title": "Educate", "text": "Know what to do.", "icon": "educate"},
                {"title": "Empower", "text": "Be allowed to do it.", "icon": "empower"},
            ],
        }


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False)
    button_label = blocks.CharBlock(max_length=40)

    class Meta:
        icon = "link"
        template = "home/blocks/call_to_action_block.html"
        label = _("Call to action")
        preview_value = {
            "title": "Ready?",
            "text": "Your first module takes ten minutes.",
            "url": "https://example.com/",
            "button_label": "Start",
        }

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": [_("Choose a page or enter a URL for the button.")]}
            )
        return value


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(max_length=120, required=False)

    class Meta:
        icon = "openquote"
        template = "home/blocks/quote_block.html"
        label = _("Quote")
        preview_value = {
            "quote": "One employee can lose a customer for life.",
            "attribution": "A dealer principal",
        }


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"],
        icon="pilcrow",
        template="home/blocks/paragraph_block.html",
    )
    pillars = PillarsBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
