package io.custos.engine.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A request answered on an I/O thread, from memory alone. The broker may run a path declared
 * {@link PathSpec.Builder#nonBlocking nonBlocking} on the thread that read the request, saving the
 * hand-over to a worker and back; everything that would wait — a storage read the cache cannot
 * answer, any write, an audit record — calls {@link #check()} first, which in such an attempt marks
 * it and throws {@link WouldBlock} before anything happened. The broker then discards the attempt
 * (its answer too, had some code caught the exception) and runs the request again, from the start,
 * on a worker. A path not declared so, or whose check does not hold, is {@link #decline() declined}
 * the same way, before anything is done. Outside an attempt both do nothing.
 *
 * <p>A write that needs no answer within the request ({@link StorageView#putRecord}) need not end
 * the attempt: it is {@link #defer deferred}, and started only once the attempt has been answered
 * (the broker sends the answer when it is committed); a discarded attempt's deferred writes are
 * dropped with it, so the run on a worker writes once.
 */
public final class NonBlocking {
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    private NonBlocking() {
    }

    private static final class State {
        boolean active;
        Outcome outcome = Outcome.ANSWERED;
        List<Supplier<CompletableFuture<Void>>> deferred = new ArrayList<>();
        List<Supplier<CompletableFuture<Void>>> answered = List.of();
    }

    /** How an attempt ended. */
    public enum Outcome {
        /** Answered from memory. */
        ANSWERED,
        /** Not for this thread: the path is not declared nonBlocking, or its check did not hold. */
        DECLINED,
        /** Something it needed would have waited (storage the cache could not answer, a write, an audit record). */
        WOULD_BLOCK
    }

    /** Thrown (without a stack trace: it is control flow) where an attempt would have waited. */
    public static final class WouldBlock extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private WouldBlock() {
            super("would block", null, false, false);
        }
    }

    private static final WouldBlock WOULD_BLOCK = new WouldBlock();

    /** Starts an attempt on this thread. */
    public static void begin() {
        State s = STATE.get();
        s.active = true;
        s.outcome = Outcome.ANSWERED;
        s.deferred.clear();
        s.answered = List.of();
    }

    /** Ends the attempt; unless {@link Outcome#ANSWERED}, whatever it produced must be discarded. */
    public static Outcome end() {
        State s = STATE.get();
        Outcome outcome = s.outcome;
        s.answered = outcome == Outcome.ANSWERED && !s.deferred.isEmpty() ? List.copyOf(s.deferred) : List.of();
        s.deferred.clear();
        s.active = false;
        s.outcome = Outcome.ANSWERED;
        return outcome;
    }

    /**
     * In an attempt, keeps {@code write} (which starts a write and tells when it is committed) for
     * after the attempt, and returns true; outside one, returns false: the caller writes now.
     */
    public static boolean defer(Supplier<CompletableFuture<Void>> write) {
        State s = STATE.get();
        if (!s.active) {
            return false;
        }
        s.deferred.add(write);
        return true;
    }

    /**
     * The writes deferred by the attempt that last {@link #end ended} on this thread, if it was
     * answered (else none), handed over once: the caller starts them and sends the answer when
     * every one is committed.
     */
    public static List<Supplier<CompletableFuture<Void>>> takeDeferred() {
        State s = STATE.get();
        List<Supplier<CompletableFuture<Void>>> out = s.answered;
        s.answered = List.of();
        return out;
    }

    /** Whether this thread is in an attempt. */
    public static boolean active() {
        return STATE.get().active;
    }

    /** Called before anything that waits: in an attempt, ends it (marks it and throws {@link WouldBlock}). */
    public static void check() {
        stop(Outcome.WOULD_BLOCK);
    }

    /** Called where a request is found not to be for an I/O thread: in an attempt, ends it before anything was done. */
    public static void decline() {
        stop(Outcome.DECLINED);
    }

    private static void stop(Outcome outcome) {
        State s = STATE.get();
        if (s.active) {
            if (s.outcome == Outcome.ANSWERED) {
                s.outcome = outcome;
            }
            throw WOULD_BLOCK;
        }
    }
}
