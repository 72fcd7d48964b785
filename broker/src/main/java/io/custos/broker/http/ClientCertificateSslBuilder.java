package io.custos.broker.http;

import io.custos.broker.config.ListenerConfiguration;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.server.netty.ssl.CertificateProvidedSslBuilder;
import io.micronaut.http.server.netty.ssl.ServerSslBuilder;
import io.micronaut.http.ssl.ServerSslConfiguration;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * The TLS 1.3 listener, from the configured PEM certificate and key (re-read when the files
 * change: {@link ReloadingKeyManager}). It asks for a client
 * certificate but neither requires nor judges it: as in Vault, trust in a client certificate is
 * decided only by the cert auth method, against the CAs an operator configured there.
 */
@Singleton
@Replaces(CertificateProvidedSslBuilder.class)
@Requires(property = "micronaut.server.ssl.enabled", value = "true")
public class ClientCertificateSslBuilder implements ServerSslBuilder {
    private final ServerSslConfiguration ssl;
    private final ListenerConfiguration listener;

    public ClientCertificateSslBuilder(ServerSslConfiguration ssl, ListenerConfiguration listener) {
        this.ssl = ssl;
        this.listener = listener;
    }

    @Override
    public ServerSslConfiguration getSslConfiguration() {
        return ssl;
    }

    @Override
    public Optional<SslContext> build() {
        try {
            ReloadingKeyManager keys = new ReloadingKeyManager(Path.of(listener.getTlsCertFile().orElseThrow()),
                    Path.of(listener.getTlsKeyFile().orElseThrow()));
            return Optional.of(SslContextBuilder
                    .forServer(keys)
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3")
                    .clientAuth(ClientAuth.OPTIONAL)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .build());
        } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS listener from the configured PEM files: "
                    + e.getMessage(), e);
        }
    }
}
