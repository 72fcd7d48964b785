package io.custos.broker.storage;

/** One stored row: a path, its barrier ciphertext, and the keyring term its data key is wrapped under. */
public record PhysicalEntry(String path, byte[] value, int keyTerm) {
    @Override
    public String toString() {
        return "PhysicalEntry[" + path + ", term " + keyTerm + ", " + value.length + " bytes]";
    }
}
