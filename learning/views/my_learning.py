"""Being written."""
def my_learning(request):
    raise NotImplementedError
