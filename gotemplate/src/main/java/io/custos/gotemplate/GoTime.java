package io.custos.gotemplate;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Go's {@code time.Format} layouts (the reference time {@code Mon Jan 2 15:04:05 MST 2006}), for
 * template functions that format times: {@code timestamp} in consul-template and Vault.
 */
public final class GoTime {
    /** Go's {@code time.RFC3339}, consul-template's default timestamp layout. */
    public static final String RFC3339 = "2006-01-02T15:04:05Z07:00";

    private GoTime() {
    }

    /** {@code t} formatted by the Go layout {@code layout}. */
    public static String format(ZonedDateTime t, String layout) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < layout.length()) {
            String rest = layout.substring(i);
            String token = token(rest);
            if (token == null) {
                out.append(layout.charAt(i++));
                continue;
            }
            out.append(render(t, token, rest));
            i += token.startsWith(".") || token.startsWith(",") ? fractionLength(rest) : token.length();
        }
        return out.toString();
    }

    private static final String[] TOKENS = {"January", "Monday", "2006", "-07:00:00", "-0700", "-07:00", "Z07:00:00",
        "Z0700", "Z07:00", "Jan", "Mon", "MST", "002", "__2", "_2", "15", "06", "01", "02", "03", "04", "05", "PM", "pm",
        "-07", "Z07", "1", "2", "3", "4", "5"};

    private static String token(String rest) {
        if ((rest.startsWith(".0") || rest.startsWith(".9") || rest.startsWith(",0") || rest.startsWith(",9"))) {
            char d = rest.charAt(1);
            int n = 1;
            while (n < rest.length() && rest.charAt(n) == d) {
                n++;
            }
            if (n == rest.length() || !Character.isDigit(rest.charAt(n))) {
                return rest.substring(0, 2);
            }
        }
        for (String t : TOKENS) {
            if (rest.startsWith(t)) {
                return t;
            }
        }
        return null;
    }

    private static int fractionLength(String rest) {
        char d = rest.charAt(1);
        int n = 1;
        while (n < rest.length() && rest.charAt(n) == d) {
            n++;
        }
        return n;
    }

    private static String render(ZonedDateTime t, String token, String rest) {
        int offset = t.getOffset().getTotalSeconds();
        switch (token) {
            case "January": return t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case "Jan": return t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "Monday": return t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case "Mon": return t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "MST": return offset == 0 ? "UTC" : t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "2006": return String.format("%04d", t.getYear());
            case "06": return String.format("%02d", t.getYear() % 100);
            case "01": return String.format("%02d", t.getMonthValue());
            case "1": return Integer.toString(t.getMonthValue());
            case "02": return String.format("%02d", t.getDayOfMonth());
            case "_2": return String.format("%2d", t.getDayOfMonth());
            case "2": return Integer.toString(t.getDayOfMonth());
            case "002": return String.format("%03d", t.getDayOfYear());
            case "__2": return String.format("%3d", t.getDayOfYear());
            case "15": return String.format("%02d", t.getHour());
            case "03": return String.format("%02d", hour12(t));
            case "3": return Integer.toString(hour12(t));
            case "04": return String.format("%02d", t.getMinute());
            case "4": return Integer.toString(t.getMinute());
            case "05": return String.format("%02d", t.getSecond());
            case "5": return Integer.toString(t.getSecond());
            case "PM": return t.getHour() >= 12 ? "PM" : "AM";
            case "pm": return t.getHour() >= 12 ? "pm" : "am";
            default:
                break;
        }
        if (token.startsWith(".") || token.startsWith(",")) {
            int digits = fractionLength(rest) - 1;
            String nanos = String.format("%09d", t.getNano()).substring(0, Math.min(9, digits));
            if (token.charAt(1) == '9') {
                nanos = nanos.replaceAll("0+$", "");
                return nanos.isEmpty() ? "" : token.charAt(0) + nanos;
            }
            return token.charAt(0) + nanos;
        }
        boolean z = token.startsWith("Z");
        if (z && offset == 0) {
            return "Z";
        }
        int abs = Math.abs(offset);
        String sign = offset < 0 ? "-" : "+";
        String hh = String.format("%02d", abs / 3600);
        String mm = String.format("%02d", abs % 3600 / 60);
        String ss = String.format("%02d", abs % 60);
        String kind = token.substring(1);
        return switch (kind) {
            case "07:00:00" -> sign + hh + ":" + mm + ":" + ss;
            case "0700" -> sign + hh + mm;
            case "07:00" -> sign + hh + ":" + mm;
            case "07" -> sign + hh;
            default -> token;
        };
    }

    private static int hour12(ZonedDateTime t) {
        int h = t.getHour() % 12;
        return h == 0 ? 12 : h;
    }
}
