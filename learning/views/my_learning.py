"""My learning: a person's own assignments, progress, refreshers and history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from learning.selectors.my_learning import my_learning as my_learning_for


@login_required
@require_GET
def my_learning(request):
    learning = my_learning_for(request.user, today=timezone.localdate(), request=request)
    return render(request, "learning/my_learning.html", {"learning": learning})
