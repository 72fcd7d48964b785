package io.custos.gotemplate;

import io.custos.gotemplate.Lexer.Token;
import io.custos.gotemplate.Node.NumberNode;
import java.math.BigInteger;
import java.util.Locale;
import java.util.function.Function;

/** Go's numeric constants in templates, as text/template's parser reads them. */
final class GoNumbers {
    private GoNumbers() {
    }

    /** Go's constant rules: an int unless the text has '.', 'e' or 'p' (and is not hex); no complex. */
    static NumberNode number(Token t, Function<String, TemplateException> error) {
        String s = t.text();
        if (s.endsWith("i")) {
            throw error.apply("complex number constants are not supported: " + s);
        }
        String clean = s.replace("_", "");
        boolean negative = clean.startsWith("-");
        String body = clean.startsWith("+") || negative ? clean.substring(1) : clean;
        String lower = body.toLowerCase(Locale.ROOT);
        try {
            if (lower.startsWith("0x") && !lower.contains("p") && !lower.contains(".")) {
                return integer(t, new BigInteger(body.substring(2), 16), negative, error);
            }
            if (lower.startsWith("0o")) {
                return integer(t, new BigInteger(body.substring(2), 8), negative, error);
            }
            if (lower.startsWith("0b")) {
                return integer(t, new BigInteger(body.substring(2), 2), negative, error);
            }
            if (!lower.contains(".") && !lower.contains("e") && !lower.contains("p")) {
                // a leading 0 means octal for integers, as Go's ParseInt with base 0
                if (body.length() > 1 && body.startsWith("0")) {
                    return integer(t, new BigInteger(body.substring(1), 8), negative, error);
                }
                return integer(t, new BigInteger(body), negative, error);
            }
            double d = lower.startsWith("0x") ? Double.parseDouble(body + (lower.contains("p") ? "" : "p0"))
                    : Double.parseDouble(body);
            return new NumberNode(t.pos(), s, negative ? -d : d);
        } catch (NumberFormatException e) {
            throw error.apply("illegal number syntax: " + GoFmt.quote(s));
        }
    }

    private static NumberNode integer(Token t, BigInteger value, boolean negative,
            Function<String, TemplateException> error) {
        BigInteger v = negative ? value.negate() : value;
        if (v.bitLength() < 64) {
            return new NumberNode(t.pos(), t.text(), v.longValue());
        }
        if (v.signum() > 0 && v.bitLength() == 64) {
            return new NumberNode(t.pos(), t.text(), v); // fits uint64: "overflows int" when used
        }
        throw error.apply("integer overflow: " + GoFmt.quote(t.text()));
    }
}
