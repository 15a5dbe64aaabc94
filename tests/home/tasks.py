from django_tasks import task


@task()
def noop():
    """A task that does nothing, to fill a queue in tests."""
    return None
