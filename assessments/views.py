"""The player: scenes, choices, the knowledge check and the reflection. Views stay thin."""

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.quiz import InvalidAnswer
from assessments.scenario import InvalidChoice


def _module_or_404(module_id):
    """The live module, for the quiz and reflection views that need its content."""
    module = selectors.live_module(module_id)
    if module is None:
        raise Http404(_("This module is not published."))
    return module


def _playable_or_404(module_id):
    """The cached summary of a live module: all the scenario player needs."""
    module = selectors.playable_module(module_id)
    if module is None:
        raise Http404(_("This module is not published."))
    return module


@functools.lru_cache(maxsize=4096)
def _play_path(module_id: int) -> str:
    # the URLconf does not change while the process runs
    return reverse("assessments:play", args=[module_id])


def _play_url(module_or_id, **params):
    url = _play_path(int(getattr(module_or_id, "pk", module_or_id)))
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


@login_required
@require_http_methods(["GET"])
def play(request, module_id):
    module, memo = selectors.player_state(request.user, module_id)
    if module is None:
        raise Http404(_("This module is not published."))
    attempt = memo.attempt if memo is not None else None
    context = {"module": module, "attempt": attempt}
    if attempt is None:
        return render(request, "assessments/play_start.html", context)

    scenario = selectors.scenario_for_revision(attempt.revision_id)
    context["scene"] = scenario.scene(attempt.current_scene_key)
    feedback_step = request.GET.get("feedback", "")
    if feedback_step.isdigit():
        last = memo.last_choice
        if last is None or last.step != int(feedback_step):
            last = selectors.choice_at_step(attempt, int(feedback_step))
        if last is not None:
            context["last_choice"] = last
            context["feedback"] = scenario.scene(last.scene_key).choices[last.choice_index].feedback
    if attempt.finished:
        if memo.path_known():
            path = memo.path
        else:
            path = [(r.scene_key, r.choice_label) for r in selectors.attempt_choices(attempt)]
        context["path"] = [(scenario.scene(key).title, label) for key, label in path]
        context["progress"] = memo.progress or selectors.module_progress(request.user, module.pk)
    return render(request, "assessments/play.html", context)


@login_required
@require_POST
def start(request, module_id):
    try:
        services.attempt_start(
            user=request.user, module_id=module_id, restart="restart" in request.POST
        )
    except services.ModuleNotPlayable as exc:
        raise Http404(_("This module is not published.")) from exc
    return redirect(_play_url(module_id))


class ChoiceForm(forms.Form):
    step = forms.IntegerField(min_value=0)
    scene = forms.SlugField(max_length=60)
    choice = forms.IntegerField(min_value=0, max_value=99)
    # which play-through the page showed (optional: older pages did not say)
    attempt = forms.IntegerField(min_value=1, required=False)


@login_required
@require_POST
def choose(request, module_id):
    form = ChoiceForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That choice could not be read. Go back and try again."))
    try:
        outcome = services.attempt_choose(
            module_id=module_id,
            user=request.user,
            scene_key=form.cleaned_data["scene"],
            choice_index=form.cleaned_data["choice"],
            step=form.cleaned_data["step"],
            attempt_id=form.cleaned_data["attempt"],
        )
    except services.NoOpenAttempt:
        _playable_or_404(module_id)
        return HttpResponseBadRequest(_("Start the scenario before making a choice."))
    except InvalidChoice:
        return HttpResponseBadRequest(_("That choice does not belong to this scene."))
    if not outcome.recorded:
        messages.info(request, _("That choice was already made. Here is where you are now."))
        return redirect(_play_url(module_id))
    return redirect(_play_url(module_id, feedback=outcome.step))


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_check(request, module_id):
    module = _module_or_404(module_id)
    questions = module.questions_data()
    progress = selectors.module_progress(request.user, module.pk)
    attempts_used = progress.quiz_attempts if progress else 0
    limit = module.max_attempts
    context = {
        "module": module,
        "questions": list(enumerate(questions)),
        "progress": progress,
        "attempts_left": (limit - attempts_used) if limit else None,
    }
    if not progress or not progress.scenario_finished:
        messages.info(request, _("Play the scenario to an ending first."))
        return redirect(_play_url(module))
    if request.method == "POST":
        if limit and attempts_used >= limit:
            messages.error(request, _("You have used all your attempts at this check."))
            return redirect("assessments:knowledge_check", module.pk)
        answers = [request.POST.getlist(f"q{i}") for i in range(len(questions))]
        try:
            parsed = [[int(a) for a in answer] for answer in answers]
            attempt, result = services.quiz_submit(user=request.user, module=module, answers=parsed)
        except (ValueError, InvalidAnswer):
            return HttpResponseBadRequest(_("Those answers could not be read."))
        except services.QuizLimitReached:
            messages.error(request, _("You have used all your attempts at this check."))
            return redirect("assessments:knowledge_check", module.pk)
        context.update(
            result=result,
            results=list(zip(questions, result.results, strict=True)),
            progress=selectors.module_progress(request.user, module.pk),
            attempts_left=(limit - attempt.number) if limit else None,
        )
        return render(request, "assessments/knowledge_check_result.html", context)
    return render(request, "assessments/knowledge_check.html", context)


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your reflection"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        min_length=20,
        error_messages={
            "required": gettext_lazy("Write a few sentences before you save."),
            "min_length": gettext_lazy("Write at least a couple of sentences (20 characters)."),
        },
    )
    shared = forms.BooleanField(
        required=False,
        label=gettext_lazy("My manager may read this reflection"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reflect(request, module_id):
    module = _module_or_404(module_id)
    existing = selectors.reflection_for(request.user, module.pk)
    if request.method == "POST":
        form = ReflectionForm(request.POST)
        if form.is_valid():
            services.reflection_save(
                user=request.user,
                module=module,
                text=form.cleaned_data["text"],
                shared=form.cleaned_data["shared"],
            )
            messages.success(request, _("Your reflection is saved."))
            return redirect(module.url)
    else:
        initial = (
            {"text": existing.text, "shared": existing.shared_with_manager} if existing else {}
        )
        form = ReflectionForm(initial=initial)
    return render(request, "assessments/reflect.html", {"module": module, "form": form})
