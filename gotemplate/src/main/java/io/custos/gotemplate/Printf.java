package io.custos.gotemplate;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code fmt.Sprintf}: walks the format once, each verb with its flags, width and precision
 * (either may be {@code *}, taken from the arguments), and Go's error texts for what does not fit:
 * {@code %!(NOVERB)}, {@code %!d(MISSING)}, {@code %!(BADWIDTH)}, {@code %!(EXTRA ...)}.
 */
final class Printf {
    private final String format;
    private final List<?> args;
    private final StringBuilder out = new StringBuilder();
    private final int n;
    private int i;
    private int argIndex;

    Printf(String format, List<?> args) {
        this.format = format;
        this.args = args;
        this.n = format.length();
    }

    String run() {
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            i++;
            if (!verb()) {
                break;
            }
        }
        if (argIndex < args.size()) {
            out.append("%!(EXTRA ");
            List<String> extra = new ArrayList<>();
            for (int k = argIndex; k < args.size(); k++) {
                Object a = args.get(k);
                extra.add(a == null ? "<nil>" : GoFmt.typeName(a) + "=" + GoFmt.value(a));
            }
            out.append(String.join(", ", extra)).append(')');
        }
        return out.toString();
    }

    /** One verb after its '%'; false when the format ended before the verb. */
    private boolean verb() {
        if (i >= n) {
            out.append("%!(NOVERB)");
            return false;
        }
        GoFmt.Spec spec = new GoFmt.Spec();
        flags(spec);
        width(spec);
        precision(spec);
        if (i >= n) {
            out.append("%!(NOVERB)");
            return false;
        }
        int verb = format.codePointAt(i);
        i += Character.charCount(verb);
        if (verb == '%') {
            out.append('%');
            return true;
        }
        spec.verb = (char) verb;
        if (argIndex >= args.size()) {
            out.append("%!").appendCodePoint(verb).append("(MISSING)");
            return true;
        }
        out.append(GoFmt.formatOne(spec, args.get(argIndex++)));
        return true;
    }

    private void flags(GoFmt.Spec spec) {
        while (i < n) {
            switch (format.charAt(i)) {
                case '-' -> {
                    spec.minus = true;
                    spec.zero = false;
                }
                case '+' -> spec.plus = true;
                case '#' -> spec.sharp = true;
                case ' ' -> spec.space = true;
                case '0' -> spec.zero = !spec.minus;
                default -> {
                    return;
                }
            }
            i++;
        }
    }

    private void width(GoFmt.Spec spec) {
        if (i < n && format.charAt(i) == '*') {
            i++;
            if (argIndex < args.size() && GoFmt.isInteger(args.get(argIndex))) {
                spec.width = ((Number) args.get(argIndex++)).intValue();
                if (spec.width < 0) {
                    spec.minus = true;
                    spec.width = -spec.width;
                }
            } else {
                out.append("%!(BADWIDTH)");
                argIndex++;
            }
            return;
        }
        int start = i;
        while (i < n && Character.isDigit(format.charAt(i))) {
            i++;
        }
        if (i > start) {
            spec.width = Integer.parseInt(format.substring(start, i));
        }
    }

    private void precision(GoFmt.Spec spec) {
        if (i >= n || format.charAt(i) != '.') {
            return;
        }
        i++;
        if (i < n && format.charAt(i) == '*') {
            i++;
            if (argIndex < args.size() && GoFmt.isInteger(args.get(argIndex))) {
                spec.precision = ((Number) args.get(argIndex++)).intValue();
                if (spec.precision < 0) {
                    spec.precision = -1;
                }
            } else {
                out.append("%!(BADPREC)");
                argIndex++;
            }
            return;
        }
        int start = i;
        while (i < n && Character.isDigit(format.charAt(i))) {
            i++;
        }
        spec.precision = i > start ? Integer.parseInt(format.substring(start, i)) : 0;
    }
}
