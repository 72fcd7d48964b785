package io.custos.broker.storage;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns at start-up, outside dev mode, when the connection to PostgreSQL does not verify the
 * server (anything but {@code sslmode=verify-full}; pgjdbc's default is {@code prefer}, which
 * neither requires TLS nor checks the certificate): storage holds every secret, encrypted.
 */
@Singleton
public class StorageTlsWarning {
    private static final Logger LOG = LoggerFactory.getLogger(StorageTlsWarning.class);
    private static final Pattern SSLMODE = Pattern.compile("[?&]sslmode=([^&]*)");

    private final String url;
    private final boolean devMode;

    public StorageTlsWarning(@Value("${custos.storage.url:}") String url, @Value("${custos.dev-mode:false}") boolean devMode) {
        this.url = url;
        this.devMode = devMode;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        String mode = sslmode(url);
        if (!devMode && !"verify-full".equals(mode)) {
            LOG.warn("custos.storage.url uses sslmode={}: the PostgreSQL server's identity is not verified; "
                    + "use sslmode=verify-full (with sslrootcert) outside development", mode);
        }
    }

    static String sslmode(String jdbcUrl) {
        Matcher m = SSLMODE.matcher(jdbcUrl == null ? "" : jdbcUrl);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "prefer";
    }
}
