package io.custos.engine.sdk;

import java.util.ArrayList;
import java.util.List;

/** Vault's list semantics over a sorted run of keys: immediate children, folders with a trailing '/'. */
public final class StorageListing {
    private StorageListing() {
    }

    /** {@code sortedKeys} are full keys starting with {@code prefix}, in ascending order. */
    public static List<String> children(String prefix, Iterable<String> sortedKeys) {
        List<String> out = new ArrayList<>();
        String last = null;
        for (String key : sortedKeys) {
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            String child = slash < 0 ? rest : rest.substring(0, slash + 1);
            if (!child.isEmpty() && !child.equals(last)) {
                out.add(child);
                last = child;
            }
        }
        out.sort(null);
        return dedupe(out);
    }

    private static List<String> dedupe(List<String> sorted) {
        List<String> out = new ArrayList<>(sorted.size());
        for (String s : sorted) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
