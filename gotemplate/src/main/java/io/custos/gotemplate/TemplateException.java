package io.custos.gotemplate;

/**
 * A template that does not parse, or whose execution failed. The message has Go's shape,
 * {@code template: NAME:LINE: ...} (with {@code :COL} and {@code executing "NAME" at <...>} for
 * execution errors), so it can be shown to users who know Go's templates.
 */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message, null, false, false);
    }
}
