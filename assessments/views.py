"""The player: scenes, choices, the knowledge check and the reflection. Views stay thin."""

import functools
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.quiz import InvalidAnswer
from assessments.scenario import InvalidChoice
from home import cache_prefetch, page_holes
from home.selectors import branding, navigation_for


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


def _session_user_id(request):
    """The id of the user the session is signed in as (not yet checked), or None."""
    try:
        return get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])
    except (KeyError, ValidationError):
        return None


def player_view(view):
    """`login_required` for the scenario player, at one cache round trip a request.

    The session names its user before the user is loaded: the user, the module and the
    learner's attempt are read together, and Django's own checks of the user (session hash,
    active) then run on that copy.
    """
    protected = login_required(view)

    @functools.wraps(view)
    def wrapped(request, module_id, *args, **kwargs):
        user_id = _session_user_id(request)
        if user_id is None:
            return protected(request, module_id, *args, **kwargs)
        with cache_prefetch.prefetched(selectors.player_cache_keys(user_id, module_id)):
            return protected(request, module_id, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class _AttemptHoles:
    """What a scene page shows of its attempt, with holes for what differs per learner."""

    revision_id: int
    pk: str
    step: str


def _feedback_aside(request, memo, scenario) -> str:
    """The feedback on the choice just made (the redirect after a choice names its step)."""
    step = request.GET.get("feedback", "")
    if not re.fullmatch(r"[0-9]{1,6}", step):
        return ""
    last = memo.last_choice
    if last is None or last.step != int(step):
        last = selectors.choice_at_step(memo.attempt, int(step))
    if last is None:
        return ""
    feedback = scenario.scene(last.scene_key).choices[last.choice_index].feedback
    return render_to_string(
        "assessments/_feedback.html", {"last_choice": last, "feedback": feedback}
    )


def _results(request, module, memo, scenario, csrf_token) -> str:
    """At an ending: the path taken, the scores and what to do next."""
    attempt = memo.attempt
    if memo.path_known():
        path = memo.path
    else:
        path = [(r.scene_key, r.choice_label) for r in selectors.attempt_choices(attempt)]
    context = {
        "module": module,
        "attempt": attempt,
        "path": [(scenario.scene(key).title, label) for key, label in path],
        "progress": memo.progress or selectors.module_progress(request.user, module.pk),
        "csrf_token": csrf_token,
    }
    return render_to_string("assessments/_results.html", context)


def _messages_html(request) -> str:
    storage = messages.get_messages(request)
    if not len(storage):
        return ""
    return render_to_string("components/messages.html", {"messages": storage})


def _scene_page(request, context, csrf_token, values) -> HttpResponse:
    """A scene: rendered once, then served with this request's values filled in.

    The key names everything else the page shows: the scene (its revision), the module as the
    eyebrow and title show it, the address, the language, the branding and the navigation.
    """
    module, attempt, scene = context["module"], context["attempt"], context["scene"]
    key = page_holes.page_key(
        "scene",
        attempt.revision_id,
        scene.key,
        module,
        request.path,
        get_language(),
        branding(),
        tuple(item.key for item in navigation_for(request.user)),
    )
    names = ("csrf", "attempt", "step", *values)
    holes = {name: page_holes.hole(name) for name in names}

    def render_with_holes():
        return render_to_string(
            "assessments/play.html",
            {
                **context,
                **{name: holes[name] for name in values},
                "attempt": _AttemptHoles(attempt.revision_id, holes["attempt"], holes["step"]),
                "csrf_token": holes["csrf"],
            },
            request,
        )

    page = page_holes.cached_page(key, render_with_holes)
    return HttpResponse(
        page_holes.fill(
            page,
            {"csrf": csrf_token, "attempt": attempt.pk, "step": attempt.step, **values},
        )
    )


@player_view
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
    values = {
        "choices_made": ngettext("%(n)s choice made", "%(n)s choices made", attempt.step)
        % {"n": attempt.step},
        "feedback_aside": _feedback_aside(request, memo, scenario),
        "messages_html": _messages_html(request),
    }
    csrf_token = get_token(request)  # one per response: the page's forms share it
    values["results_html"] = (
        _results(request, module, memo, scenario, csrf_token) if attempt.finished else ""
    )
    return _scene_page(request, context, csrf_token, values)


@player_view
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


@player_view
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
