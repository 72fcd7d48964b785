package io.custos.engine.sdk;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations the way Vault reads and writes them: input as whole seconds ({@code 3600},
 * {@code "3600"}) or Go duration strings with an optional day unit ({@code "1h30m"}, {@code "7d"});
 * output in Go's {@code time.Duration} format ({@code "1h30m0s"}, {@code "0s"}).
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

    private GoDuration() {
    }

    public static Duration parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            return Duration.ZERO;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            return ofSeconds(Long.parseLong(s));
        }
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        Matcher m = PART.matcher(s);
        int at = 0;
        double nanos = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\"");
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> 86400e9;
            };
            at = m.end();
        }
        if (nanos > Long.MAX_VALUE) {
            throw new IllegalArgumentException("duration \"" + text + "\" is out of range");
        }
        Duration d = Duration.ofNanos((long) nanos);
        return negative ? d.negated() : d;
    }

    /** The longest duration Go (and so Vault) can represent: 2^63-1 nanoseconds, about 292 years. */
    public static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

    /** Whole seconds, refused beyond {@link #MAX}. */
    public static Duration ofSeconds(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        if (d.abs().compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration of " + seconds + "s is out of range");
        }
        return d;
    }

    /** Go's {@code Duration.String()} for whole and fractional seconds. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (d.isNegative()) {
            sb.append('-');
            d = d.negated();
        }
        long h = d.toHours();
        long m = d.toMinutesPart();
        long s = d.toSecondsPart();
        int nanos = d.toNanosPart();
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        sb.append(s);
        if (nanos > 0) {
            String frac = String.format("%09d", nanos).replaceAll("0+$", "");
            sb.append('.').append(frac);
        }
        return sb.append('s').toString();
    }
}
