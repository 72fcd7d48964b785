package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.annotation.PostConstruct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code custos.listener}: the API listener. Bound into Micronaut's server settings by
 * application.yml; checked here at start-up so a missing certificate is a one-line error naming
 * the setting, not a stack trace from the TLS stack.
 */
@Context
@ConfigurationProperties("custos.listener")
public class ListenerConfiguration {
    private boolean tlsEnabled = true;
    private String tlsCertFile;
    private String tlsKeyFile;

    @Bindable(defaultValue = "true")
    public boolean isTlsEnabled() {
        return tlsEnabled;
    }

    public void setTlsEnabled(boolean tlsEnabled) {
        this.tlsEnabled = tlsEnabled;
    }

    public Optional<String> getTlsCertFile() {
        return Optional.ofNullable(tlsCertFile);
    }

    public void setTlsCertFile(String tlsCertFile) {
        this.tlsCertFile = tlsCertFile;
    }

    public Optional<String> getTlsKeyFile() {
        return Optional.ofNullable(tlsKeyFile);
    }

    public void setTlsKeyFile(String tlsKeyFile) {
        this.tlsKeyFile = tlsKeyFile;
    }

    @PostConstruct
    void validate() {
        if (!tlsEnabled) {
            return;
        }
        requireReadable("custos.listener.tls-cert-file", "CUSTOS_LISTENER_TLS_CERT_FILE", tlsCertFile);
        requireReadable("custos.listener.tls-key-file", "CUSTOS_LISTENER_TLS_KEY_FILE", tlsKeyFile);
    }

    private static void requireReadable(String key, String env, String file) {
        if (file == null || file.isBlank()) {
            throw new ConfigurationException(key + " (" + env + ") is required: the listener serves TLS 1.3 only "
                    + "(set custos.listener.tls-enabled=false only behind a TLS-terminating proxy)");
        }
        if (!Files.isReadable(Path.of(file))) {
            throw new ConfigurationException(key + ": cannot read " + file);
        }
    }
}
