package io.custos.engine.sdk;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What the broker knows about a request beyond its path and fields: where it came from, what the
 * client presented, who the caller turned out to be, and the lease issuer bound to it. Each part
 * is typed and may be absent ({@code null}; the certificate chain empty). Its {@code toString}
 * shows no token and no body.
 *
 * @param remoteAddress the client's IP address, for engines that bind use to networks
 * @param clientToken the token the client presented (X-Vault-Token or a Bearer header), checked or not
 * @param caller the authenticated caller; null on unauthenticated paths
 * @param clientCertificate the certificate the client presented in the TLS handshake
 * @param clientCertificateChain the certificates sent after it (untrusted, for path building only)
 * @param rawBody the request body when it is not JSON parameters (an OCSP request)
 * @param leases the lease issuer bound to the request (its token, policies and mount limits)
 */
public record RequestContext(String remoteAddress, String clientToken, Caller caller,
        X509Certificate clientCertificate, List<X509Certificate> clientCertificateChain, byte[] rawBody,
        LeaseIssuer leases) {

    /** Nothing known: a request built by a test or by the broker itself. */
    public static final RequestContext NONE = new RequestContext(null, null, null, null, List.of(), null, null);

    public RequestContext {
        clientCertificateChain = clientCertificateChain == null ? List.of() : List.copyOf(clientCertificateChain);
    }

    public RequestContext withRemoteAddress(String address) {
        return new RequestContext(address, clientToken, caller, clientCertificate, clientCertificateChain, rawBody,
                leases);
    }

    public RequestContext withClientToken(String token) {
        return new RequestContext(remoteAddress, token, caller, clientCertificate, clientCertificateChain, rawBody,
                leases);
    }

    public RequestContext withCaller(Caller who) {
        return new RequestContext(remoteAddress, clientToken, who, clientCertificate, clientCertificateChain, rawBody,
                leases);
    }

    /** The presented certificate and the ones sent after it. */
    public RequestContext withClientCertificates(X509Certificate leaf, List<X509Certificate> chain) {
        return new RequestContext(remoteAddress, clientToken, caller, leaf, chain, rawBody, leases);
    }

    public RequestContext withRawBody(byte[] body) {
        return new RequestContext(remoteAddress, clientToken, caller, clientCertificate, clientCertificateChain, body,
                leases);
    }

    public RequestContext withLeases(LeaseIssuer issuer) {
        return new RequestContext(remoteAddress, clientToken, caller, clientCertificate, clientCertificateChain,
                rawBody, issuer);
    }

    @Override
    public String toString() {
        return "RequestContext[remote=" + remoteAddress + ", caller=" + (caller == null ? "none" : caller.accessor())
                + "]";
    }
}
