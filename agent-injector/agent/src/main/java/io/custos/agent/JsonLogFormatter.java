package io.custos.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * {@code CUSTOS_LOG_FORMAT=json} (or {@code VAULT_LOG_FORMAT}) for the agent and the injector:
 * one JSON object per line with the broker's field names ({@code timestamp}, {@code level},
 * {@code threadName}, {@code loggerName}, {@code formattedMessage}, {@code throwable}) — the
 * formatted message only, as the text format logs it.
 */
public final class JsonLogFormatter extends Formatter {
    private static final JsonFactory JSON = new JsonFactory();

    /** Applies the format named by the environment; returns the problem with an unknown one (null when fine). */
    public static String apply(String format) {
        if (format == null || format.isBlank() || format.equals("standard")) {
            return null;
        }
        if (!format.equals("json")) {
            return "CUSTOS_LOG_FORMAT must be standard or json, not \"" + format + "\"";
        }
        Logger root = Logger.getLogger("");
        if (root.getHandlers().length == 0) {
            root.addHandler(new ConsoleHandler());
        }
        for (Handler h : root.getHandlers()) {
            h.setFormatter(new JsonLogFormatter());
        }
        return null;
    }

    @Override
    public String format(LogRecord r) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("timestamp", r.getMillis());
            g.writeStringField("level", level(r.getLevel()));
            g.writeStringField("threadName", Thread.currentThread().getName());
            g.writeStringField("loggerName", r.getLoggerName() == null ? "" : r.getLoggerName());
            g.writeStringField("formattedMessage", formatMessage(r));
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                g.writeStringField("throwable", trace.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            return "{\"level\":\"ERROR\",\"formattedMessage\":\"log record could not be written\"}\n";
        }
        return out + "\n";
    }

    private static String level(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (l.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (l.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return l.intValue() >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }
}
