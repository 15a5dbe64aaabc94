"""Being written."""
def refresher_play(request, pk):
    raise NotImplementedError
