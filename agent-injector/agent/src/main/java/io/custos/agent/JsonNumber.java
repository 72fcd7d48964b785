package io.custos.agent;

/**
 * A number from the broker's JSON kept as its literal text, as Go's {@code json.Number}: templates
 * see a string ({@code {{ .Data.ttl }}} prints {@code 3600}, {@code eq .Data.ttl "3600"} holds), and
 * {@code toJSON} writes it back as a number.
 */
public record JsonNumber(String text) implements CharSequence {
    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
