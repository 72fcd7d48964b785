package io.custos.gotemplate;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's {@code text/template/parse} lexer: text, actions between the delimiters (with {@code {{- }}
 * and {@code  -}}} trimming the adjacent whitespace), comments, and the tokens inside actions. One
 * pass over the input, no backtracking: linear in the template's length.
 */
final class Lexer {
    enum Kind {
        TEXT, LEFT_DELIM, RIGHT_DELIM, SPACE, IDENTIFIER, FIELD, VARIABLE, DOT, STRING, RAW_STRING, CHAR_CONSTANT,
        NUMBER, BOOL, NIL, PIPE, LEFT_PAREN, RIGHT_PAREN, DECLARE, ASSIGN, CHAR, EOF,
        BLOCK, BREAK, CONTINUE, DEFINE, ELSE, END, IF, RANGE, TEMPLATE, WITH
    }

    /** One token: its kind, text, and where it starts (offset and 1-based line). */
    record Token(Kind kind, String text, int pos, int line) {
        @Override
        public String toString() {
            return kind == Kind.EOF ? "EOF" : kind.name().length() > 0 && text.length() > 10
                    ? "\"" + text.substring(0, 10) + "\"..." : "\"" + text + "\"";
        }
    }

    private final String name;
    private final String input;
    private final String left;
    private final String right;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;

    private Lexer(String name, String input, String left, String right) {
        this.name = name;
        this.input = input;
        this.left = left == null || left.isEmpty() ? "{{" : left;
        this.right = right == null || right.isEmpty() ? "}}" : right;
    }

    static List<Token> lex(String name, String input, String left, String right) {
        Lexer l = new Lexer(name, input, left, right);
        l.run();
        return l.out;
    }

    private TemplateException error(String message) {
        return new TemplateException("template: " + name + ":" + line + ": " + message);
    }

    private void emit(Kind kind, int start, int end) {
        out.add(new Token(kind, input.substring(start, end), start, lineAt(start)));
    }

    private int lineAt(int offset) {
        // tokens are emitted in order, so the current line minus the newlines since offset
        int l = line;
        for (int i = offset; i < pos && i < input.length(); i++) {
            if (input.charAt(i) == '\n') {
                l--;
            }
        }
        return l;
    }

    private void advance(int to) {
        for (int i = pos; i < to; i++) {
            if (input.charAt(i) == '\n') {
                line++;
            }
        }
        pos = to;
    }

    static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    static boolean isAlphaNumeric(int c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    private void run() {
        while (true) {
            int at = input.indexOf(left, pos);
            if (at < 0) {
                if (pos < input.length()) {
                    int start = pos;
                    advance(input.length());
                    emit(Kind.TEXT, start, input.length());
                }
                out.add(new Token(Kind.EOF, "", input.length(), line));
                return;
            }
            boolean trim = hasLeftTrimMarker(at + left.length());
            int textEnd = at;
            if (trim) {
                while (textEnd > pos && isSpace(input.charAt(textEnd - 1))) {
                    textEnd--;
                }
            }
            if (textEnd > pos) {
                int start = pos;
                advance(textEnd);
                emit(Kind.TEXT, start, textEnd);
            }
            advance(at);
            lexAction(trim);
        }
    }

    private boolean hasLeftTrimMarker(int at) {
        return at + 1 < input.length() && input.charAt(at) == '-' && isSpace(input.charAt(at + 1));
    }

    /** " -" followed by the right delimiter, at {@code at}. */
    private boolean atTrimmedRightDelim(int at) {
        return at + 1 < input.length() && isSpace(input.charAt(at)) && input.charAt(at + 1) == '-'
                && input.startsWith(right, at + 2);
    }

    private void lexAction(boolean trimLeft) {
        int start = pos;
        advance(pos + left.length());
        emit(Kind.LEFT_DELIM, start, pos);
        if (trimLeft) {
            advance(pos + 2);
        }
        if (input.startsWith("/*", pos)) {
            lexComment(start);
            return;
        }
        int parens = 0;
        while (true) {
            if (atTrimmedRightDelim(pos) || input.startsWith(right, pos)) {
                if (parens > 0) {
                    throw error("unclosed left paren");
                }
                lexRightDelim();
                return;
            }
            if (pos >= input.length()) {
                throw error("unclosed action");
            }
            parens = lexInAction(input.codePointAt(pos), parens);
        }
    }

    /** The action's right delimiter, and with "-}}" the spaces after it. */
    private void lexRightDelim() {
        boolean trimRight = atTrimmedRightDelim(pos);
        int delimStart = pos;
        if (trimRight) {
            advance(pos + 2);
        }
        advance(pos + right.length());
        emit(Kind.RIGHT_DELIM, delimStart, pos);
        if (trimRight) {
            int end = pos;
            while (end < input.length() && isSpace(input.charAt(end))) {
                end++;
            }
            advance(end);
        }
    }

    /** One token inside an action, starting with {@code c}; returns the paren depth after it. */
    private int lexInAction(int c, int parens) {
        int tokenStart = pos;
        if (isSpace(c)) {
            lexSpace();
        } else if (c == '=') {
            advance(pos + 1);
            emit(Kind.ASSIGN, tokenStart, pos);
        } else if (c == ':') {
            if (!input.startsWith(":=", pos)) {
                throw error("expected :=");
            }
            advance(pos + 2);
            emit(Kind.DECLARE, tokenStart, pos);
        } else if (c == '|') {
            advance(pos + 1);
            emit(Kind.PIPE, tokenStart, pos);
        } else if (c == '"') {
            lexQuote();
        } else if (c == '`') {
            int end = input.indexOf('`', pos + 1);
            if (end < 0) {
                throw error("unterminated raw quoted string");
            }
            advance(end + 1);
            emit(Kind.RAW_STRING, tokenStart, pos);
        } else if (c == '$') {
            lexFieldOrVariable(Kind.VARIABLE);
        } else if (c == '\'') {
            lexChar();
        } else if (c == '.' && !(pos + 1 < input.length() && Character.isDigit(input.charAt(pos + 1)))) {
            lexFieldOrVariable(Kind.FIELD);
        } else if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
            lexNumber();
        } else if (isAlphaNumeric(c)) {
            lexIdentifier();
        } else {
            return lexPunctuation(c, parens);
        }
        return parens;
    }

    /** Spaces inside an action; a single space before "-}}" belongs to the delimiter and is left alone. */
    private void lexSpace() {
        int end = pos;
        while (end < input.length() && isSpace(input.charAt(end))) {
            end++;
        }
        if (end > pos && atTrimmedRightDelim(end - 1)) {
            end--;
        }
        if (end == pos) {
            return; // the space is the trim marker's: the delimiter comes next
        }
        int start = pos;
        advance(end);
        emit(Kind.SPACE, start, end);
    }

    /** Parentheses and other single ASCII characters; returns the paren depth after them. */
    private int lexPunctuation(int c, int parens) {
        int tokenStart = pos;
        if (c == '(') {
            advance(pos + 1);
            emit(Kind.LEFT_PAREN, tokenStart, pos);
            return parens + 1;
        }
        if (c == ')') {
            advance(pos + 1);
            emit(Kind.RIGHT_PAREN, tokenStart, pos);
            if (parens - 1 < 0) {
                throw error("unexpected right paren");
            }
            return parens - 1;
        }
        if (c < 0x80 && c >= 0x20 && c != 0x7f) {
            advance(pos + 1);
            emit(Kind.CHAR, tokenStart, pos);
            return parens;
        }
        throw error("unrecognized character in action: " + describe(c));
    }

    private static String describe(int c) {
        return String.format("U+%04X", c) + (Character.isISOControl(c) ? "" : " '" + new String(Character.toChars(c)) + "'");
    }

    private void lexComment(int actionStart) {
        int end = input.indexOf("*/", pos + 2);
        if (end < 0) {
            throw error("unclosed comment");
        }
        advance(end + 2);
        boolean trimRight = atTrimmedRightDelim(pos);
        if (!trimRight && !input.startsWith(right, pos)) {
            throw error("comment ends before closing delimiter");
        }
        if (trimRight) {
            advance(pos + 2);
        }
        advance(pos + right.length());
        // the comment's tokens are dropped: the parser never sees them
        out.remove(out.size() - 1);
        if (trimRight) {
            int e = pos;
            while (e < input.length() && isSpace(input.charAt(e))) {
                e++;
            }
            advance(e);
        }
    }

    private boolean atTerminator() {
        if (pos >= input.length()) {
            return true;
        }
        char c = input.charAt(pos);
        if (isSpace(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(') {
            return true;
        }
        return input.startsWith(right, pos);
    }

    private void lexFieldOrVariable(Kind kind) {
        int start = pos;
        advance(pos + 1);
        if (atTerminator()) {
            emit(kind == Kind.VARIABLE ? Kind.VARIABLE : Kind.DOT, start, pos);
            return;
        }
        while (pos < input.length() && isAlphaNumeric(input.codePointAt(pos))) {
            advance(pos + Character.charCount(input.codePointAt(pos)));
        }
        if (!atTerminator()) {
            throw error("bad character " + describe(input.codePointAt(pos)));
        }
        emit(kind, start, pos);
    }

    private void lexIdentifier() {
        int start = pos;
        while (pos < input.length() && isAlphaNumeric(input.codePointAt(pos))) {
            advance(pos + Character.charCount(input.codePointAt(pos)));
        }
        if (!atTerminator()) {
            throw error("bad character " + describe(input.codePointAt(pos)));
        }
        String word = input.substring(start, pos);
        Kind kind = switch (word) {
            case "block" -> Kind.BLOCK;
            case "break" -> Kind.BREAK;
            case "continue" -> Kind.CONTINUE;
            case "define" -> Kind.DEFINE;
            case "else" -> Kind.ELSE;
            case "end" -> Kind.END;
            case "if" -> Kind.IF;
            case "range" -> Kind.RANGE;
            case "template" -> Kind.TEMPLATE;
            case "with" -> Kind.WITH;
            case "nil" -> Kind.NIL;
            case "true", "false" -> Kind.BOOL;
            default -> Kind.IDENTIFIER;
        };
        emit(kind, start, pos);
    }

    private void lexQuote() {
        int start = pos;
        int i = pos + 1;
        while (true) {
            if (i >= input.length() || input.charAt(i) == '\n') {
                throw error("unterminated quoted string");
            }
            char c = input.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                break;
            }
            i++;
        }
        advance(i + 1);
        emit(Kind.STRING, start, pos);
    }

    private void lexChar() {
        int start = pos;
        int i = pos + 1;
        while (true) {
            if (i >= input.length() || input.charAt(i) == '\n') {
                throw error("unterminated character constant");
            }
            char c = input.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '\'') {
                break;
            }
            i++;
        }
        advance(i + 1);
        emit(Kind.CHAR_CONSTANT, start, pos);
    }

    /** Go's scanNumber: sign, 0x/0o/0b prefixes, underscores, fraction, exponent; no letters after. */
    private void lexNumber() {
        int start = pos;
        int i = pos;
        if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
            i++;
        }
        String digits = "0123456789_";
        if (i < input.length() && input.charAt(i) == '0' && i + 1 < input.length()) {
            char p = input.charAt(i + 1);
            if (p == 'x' || p == 'X') {
                digits = "0123456789abcdefABCDEF_";
                i += 2;
            } else if (p == 'o' || p == 'O') {
                digits = "01234567_";
                i += 2;
            } else if (p == 'b' || p == 'B') {
                digits = "01_";
                i += 2;
            }
        }
        i = acceptRun(i, digits);
        if (i < input.length() && input.charAt(i) == '.') {
            i = acceptRun(i + 1, digits);
        }
        if (digits.length() == 11 && i < input.length() && (input.charAt(i) == 'e' || input.charAt(i) == 'E')) {
            i++;
            if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
                i++;
            }
            i = acceptRun(i, "0123456789_");
        }
        if (digits.length() == 23 && i < input.length() && (input.charAt(i) == 'p' || input.charAt(i) == 'P')) {
            i++;
            if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
                i++;
            }
            i = acceptRun(i, "0123456789_");
        }
        if (i < input.length() && input.charAt(i) == 'i') {
            i++;
        }
        if (i < input.length() && isAlphaNumeric(input.codePointAt(i))) {
            advance(i + 1);
            throw error("bad number syntax: \"" + input.substring(start, i + 1) + "\"");
        }
        advance(i);
        emit(Kind.NUMBER, start, pos);
    }

    private int acceptRun(int i, String valid) {
        while (i < input.length() && valid.indexOf(input.charAt(i)) >= 0) {
            i++;
        }
        return i;
    }
}
