package io.custos.engine.sdk;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An IPv4 or IPv6 network block ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare address for one
 * host), as Vault's {@code bound_cidrs} settings take them. Parsed without name resolution.
 */
public record Cidr(byte[] network, int bits, String text) {

    public static Cidr parse(String text) {
        String t = text.trim();
        String[] parts = t.split("/", 2);
        if (parts[0].isEmpty() || !parts[0].matches("[0-9a-fA-F:.]+")) {
            throw EngineException.badRequest("invalid CIDR block \"" + text + "\"");
        }
        try {
            byte[] net = InetAddress.getByName(parts[0]).getAddress();
            int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : net.length * 8;
            if (bits < 0 || bits > net.length * 8) {
                throw EngineException.badRequest("invalid CIDR block \"" + text + "\"");
            }
            return new Cidr(net, bits, t);
        } catch (UnknownHostException | NumberFormatException e) {
            throw EngineException.badRequest("invalid CIDR block \"" + text + "\"");
        }
    }

    /** Parses every block (a 400 naming the first bad one); returns them as given, trimmed. */
    public static List<String> validate(List<String> blocks) {
        List<String> out = new ArrayList<>();
        for (String b : blocks) {
            if (!b.isBlank()) {
                out.add(parse(b).text());
            }
        }
        return out;
    }

    /** Whether {@code address} (a literal IP) lies in this block. */
    public boolean contains(String address) {
        if (address == null || !address.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return covers(InetAddress.getByName(address).getAddress(), network.length * 8);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether every address of {@code other} lies in this block. */
    public boolean contains(Cidr other) {
        return other.bits >= bits && covers(other.network, other.bits);
    }

    private boolean covers(byte[] addr, int addrBits) {
        if (addr.length != network.length || addrBits < bits) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((addr[i / 8] & mask) != (network[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code address} lies in any of {@code blocks}; true when there are none (no restriction). */
    public static boolean allows(List<String> blocks, String address) {
        return blocks.isEmpty() || blocks.stream().anyMatch(b -> parse(b).contains(address));
    }

    /** Whether each block of {@code inner} lies within some block of {@code outer} (an empty outer allows all). */
    public static boolean isSubset(List<String> inner, List<String> outer) {
        if (outer.isEmpty()) {
            return true;
        }
        List<Cidr> o = outer.stream().map(Cidr::parse).toList();
        return inner.stream().map(Cidr::parse).allMatch(i -> o.stream().anyMatch(c -> c.contains(i)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
