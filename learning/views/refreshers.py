"""A refresher: one key decision of a completed module, made again days later."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learning.selectors.my_learning import (
    refresher_module,
    refresher_of,
    refresher_question,
    refresher_review,
)
from learning.services import refreshers as services

TEMPLATE = "learning/refresher.html"


class RefresherAnswerForm(forms.Form):
    scene = forms.SlugField(max_length=60)
    choice = forms.IntegerField(min_value=0, max_value=99)


@login_required
@require_http_methods(["GET", "POST"])
def refresher_play(request, pk):
    refresher = refresher_of(request.user, pk)
    if refresher is None:  # someone else's refresher is as absent as a missing one
        raise Http404(_("There is no such refresher."))
    context = {
        "refresher": refresher,
        "module": refresher_module(refresher),
        "today": timezone.localdate(),
    }
    if refresher.done_at is not None:
        if request.method == "POST":
            messages.info(request, _("You have already answered this refresher."))
            return redirect("learning:refresher", pk=pk)
        context["review"] = refresher_review(refresher)
        return render(request, TEMPLATE, context)
    if refresher.due_on > context["today"]:
        if request.method == "POST":
            messages.info(request, _not_due_message(refresher.due_on))
            return redirect("learning:refresher", pk=pk)
        return render(request, TEMPLATE, context)

    question = refresher_question(refresher)
    if question is None:
        raise Http404(_("This module is not published any more."))
    context["question"] = question
    if request.method == "GET":
        return render(request, TEMPLATE, context)

    form = RefresherAnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That answer could not be read. Go back and try again."))
    try:
        result = services.refresher_answer(
            user=request.user,
            refresher=refresher,
            scene_key=form.cleaned_data["scene"],
            choice_index=form.cleaned_data["choice"],
        )
    except services.RefresherNotFound as exc:
        raise Http404(_("There is no such refresher.")) from exc
    except services.RefresherUnavailable as exc:
        raise Http404(_("This module is not published any more.")) from exc
    except services.RefresherAlreadyDone:
        messages.info(request, _("You have already answered this refresher."))
        return redirect("learning:refresher", pk=pk)
    except services.RefresherNotDue as exc:
        messages.info(request, _not_due_message(exc.due_on))
        return redirect("learning:refresher", pk=pk)
    except services.RefresherStale:
        return HttpResponseBadRequest(
            _("That answer does not belong to this refresher. Reload the page and try again.")
        )
    context["review"] = result
    context["just_answered"] = True
    return render(request, TEMPLATE, context)


def _not_due_message(due_on):
    return _("This refresher opens on %(date)s.") % {"date": formats.date_format(due_on, "j M Y")}
