package io.custos.broker.seal;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.engine.sdk.Json;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * One key ceremony in progress (root generation, a rekey), stored behind the barrier so that any
 * broker sharing the storage takes the next share, and changed only by compare-and-put, so two
 * brokers taking shares at once cannot lose one or both complete the ceremony. An ended ceremony
 * leaves an empty marker, which the next one replaces.
 */
final class Ceremony<T> {
    private static final byte[] ENDED = new byte[0];

    private final BarrierStorage storage;
    private final String path;
    private final Class<T> type;

    /** What was read, with the bytes a later compare-and-put expects. */
    record Seen<T>(T value, Optional<byte[]> raw) {
        boolean inProgress() {
            return value != null;
        }
    }

    Ceremony(BarrierStorage storage, String path, Class<T> type) {
        this.storage = storage;
        this.path = path;
        this.type = type;
    }

    Seen<T> read() {
        Optional<byte[]> raw = storage.getFresh(path);
        T value = raw.filter(b -> b.length > 0).map(b -> Json.read(b, type)).orElse(null);
        return new Seen<>(value, raw);
    }

    /** Replaces what was seen with {@code next} (null ends the ceremony); false if another broker changed it first. */
    boolean swap(Seen<T> seen, T next) {
        return storage.compareAndPut(path, seen.raw(), next == null ? ENDED : Json.write(next));
    }

    /** Ends whatever is in progress (a DELETE of the attempt); nothing when none is. */
    void end() {
        for (int i = 0; i < 20; i++) {
            Seen<T> seen = read();
            if (!seen.inProgress() || swap(seen, null)) {
                return;
            }
        }
        throw new IllegalStateException(path + " kept changing while it was being ended");
    }

    static String encode(byte[] share) {
        return Base64.getEncoder().encodeToString(share);
    }

    static List<byte[]> decode(List<String> shares) {
        return shares.stream().map(s -> Base64.getDecoder().decode(s)).toList();
    }

    /** Whether {@code share} is among {@code shares}, compared in constant time (shares are secret). */
    static boolean contains(List<String> shares, byte[] share) {
        boolean found = false;
        for (byte[] s : decode(shares)) {
            found |= MessageDigest.isEqual(s, share);
            Arrays.fill(s, (byte) 0);
        }
        return found;
    }
}
