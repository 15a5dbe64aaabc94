"""Being written."""
def team_dashboard(request):
    raise NotImplementedError


def nudge(request, pk):
    raise NotImplementedError
