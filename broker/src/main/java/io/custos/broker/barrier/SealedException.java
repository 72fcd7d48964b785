package io.custos.broker.barrier;

/** The barrier is sealed: no key material is in memory, so nothing can be read or written. */
public class SealedException extends RuntimeException {
    public SealedException() {
        super("Custos is sealed", null, false, false);
    }
}
