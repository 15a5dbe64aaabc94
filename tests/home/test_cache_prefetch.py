from django.core.cache import cache

from home import cache_prefetch


class CountingCache:
    """Counts the reads made through the default cache (one per call, however it is built)."""

    def __init__(self, monkeypatch):
        self.calls = []
        self.depth = 0
        for name in ("get", "get_many"):
            original = getattr(cache, name)
            monkeypatch.setattr(cache, name, self._counting(name, original))

    def _counting(self, name, original):
        def call(*args, **kwargs):
            if not self.depth:  # locmem's get_many calls get: count the outer call only
                self.calls.append(name)
            self.depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1

        return call


def test_prefetched_entries_are_served_from_one_read(monkeypatch):
    cache.set_many({"a": 1, "b": "two"})
    counter = CountingCache(monkeypatch)
    with cache_prefetch.prefetched(["a", "b", "missing"]):
        assert cache_prefetch.get("a") == 1
        assert cache_prefetch.get_many(["b", "missing"]) == {"b": "two"}
    assert counter.calls == ["get_many"]


def test_a_prefetched_entry_is_served_once_then_read_afresh(monkeypatch):
    cache.set("a", "before")
    with cache_prefetch.prefetched(["a"]):
        cache.set("a", "after")  # changed within the request
        assert cache_prefetch.get("a") == "before"  # what the request read at its start
        assert cache_prefetch.get("a") == "after"  # never an old copy again


def test_keys_not_prefetched_are_read_from_the_cache(monkeypatch):
    cache.set_many({"a": 1, "c": 3})
    with cache_prefetch.prefetched(["a"]):
        counter = CountingCache(monkeypatch)
        assert cache_prefetch.get_many(["a", "c"]) == {"a": 1, "c": 3}
        assert cache_prefetch.get("c") == 3
    assert counter.calls == ["get_many", "get"]  # "c" each time; "a" from the prefetch


def test_outside_a_prefetch_it_is_the_cache():
    cache.set("a", 1)
    assert cache_prefetch.get("a") == 1
    assert cache_prefetch.get("missing") is None
    assert cache_prefetch.get_many(["a", "missing"]) == {"a": 1}
