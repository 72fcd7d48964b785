package io.custos.agent;

/** A configuration the agent refuses, with the file, key and line when known. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
