import pytest

from config.cache import ReusingRedisCache
from tests.helpers import redis_available


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
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


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_cache_takes_keys_memcached_would_refuse():
    cache = ReusingRedisCache("redis://127.0.0.1:6379/11", {"KEY_PREFIX": "cx-test"})
    key = "a key with spaces " + "x" * 300  # memcached: no spaces, at most 250 characters
    cache.set(key, 1, 30)
    assert cache.get(key) == 1
    cache.delete(key)
