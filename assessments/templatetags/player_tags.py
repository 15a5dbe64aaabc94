from django import template

from assessments import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def module_progress_for(context, module):
    """The signed-in learner's progress on a module (None for visitors)."""
    request = context.get("request")
    if request is None:
        return None
    return selectors.module_progress(request.user, module.pk)


@register.inclusion_tag("assessments/components/three_e_bars.html")
def three_e_bars(engagement, education, empowerment, caption=""):
    """Three horizontal bars (SVG) with the same figures as a table for screen readers."""
    rows = [
        ("Engagement", "engage", engagement or 0),
        ("Education", "educate", education or 0),
        ("Empowerment", "empower", empowerment or 0),
    ]
    scale = max([abs(v) for _, _, v in rows] + [4])
    bars = []
    for i, (label, css, value) in enumerate(rows):
        width = round(abs(value) / scale * 140)
        x = 150 if value >= 0 else 150 - width
        y = 8 + i * 34
        # coordinates as text: the template does no arithmetic, and no number formatting
        bars.append(
            {
                "label": label,
                "css": css,
                "value": str(value),
                "signed": f"+{value}" if value > 0 else str(value),
                "x": str(x),
                "y": str(y),
                "width": str(width),
                "text_y": str(y + 17),
                "value_x": str(x + width + 6 if value >= 0 else x - 28),
            }
        )
    return {"bars": bars, "caption": caption}
