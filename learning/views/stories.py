"""Being written."""
def story_list(request):
    raise NotImplementedError


def story_submit(request):
    raise NotImplementedError
