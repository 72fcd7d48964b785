package io.custos.broker.storage;

/**
 * Something that holds, in memory, what it read from storage and must follow changes another
 * broker makes (the storage cache, tokens, policies, mount tables). The {@link ChangeFeed} calls
 * it for every committed change to an entry, its own node's included.
 */
public interface ChangeListener {

    /** The entry at {@code path} changed (written or deleted); when {@code below}, every entry below it did. */
    void changed(String path, boolean below);

    /**
     * The feed was (re)connected after a gap in which changes may have been missed, or is
     * disconnected: drop everything held, and read storage again from now on.
     */
    void resynchronise();
}
