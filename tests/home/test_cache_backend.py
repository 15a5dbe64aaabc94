import socket

import pytest

from config.cache import ReusingRedisCache


def _redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_cache_reuses_one_client_and_works():
    cache = ReusingRedisCache("redis://127.0.0.1:6379/11", {"KEY_PREFIX": "cx-test"})
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    assert cache.get_many(["k", "missing"]) == {"k": {"a": 1}}
    cache.delete("k")
    assert cache.get("k") is None
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client
