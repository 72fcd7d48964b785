package io.custos.broker.storage;

/** A cache validity that stays true: a "node" in a test with no change feed, whose cache is stale on purpose. */
public final class CacheValidityForTests {
    private CacheValidityForTests() {
    }

    public static CacheValidity valid() {
        CacheValidity v = new CacheValidity();
        v.set(true);
        return v;
    }
}
