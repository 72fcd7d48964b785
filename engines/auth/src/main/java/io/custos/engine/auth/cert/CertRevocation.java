package io.custos.engine.auth.cert;

import io.custos.engine.auth.OutboundHttps;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.StorageView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Revocation checks for certificate logins: CRLs an operator stored at {@code crls/:name}
 * (Vault's API; a CRL counts only for certificates whose issuer signed it), and, for roles with
 * {@code ocsp_enabled}, the OCSP responder named in the certificate (or the role's override) —
 * a local PKI mount's {@code /v1/<mount>/ocsp} included. A response counts only when the issuer
 * or a responder it delegated to signed it, and it is current.
 */
final class CertRevocation {
    private static final String PREFIX = "crls/";

    private final StorageView storage;
    private final Clock clock;

    CertRevocation(StorageView storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    Response write(String name, String text) {
        X509CRL crl = parseCrl(text);
        Map<String, Object> stored = new LinkedHashMap<>();
        try {
            stored.put("der", Base64.getEncoder().encodeToString(crl.getEncoded()));
        } catch (CRLException e) {
            throw EngineException.badRequest("crl: unreadable CRL");
        }
        storage.put(PREFIX + name, Json.write(stored));
        return null;
    }

    Response read(String name) {
        return load(name).map(crl -> {
            Map<String, Object> serials = new LinkedHashMap<>();
            if (crl.getRevokedCertificates() != null) {
                for (X509CRLEntry e : crl.getRevokedCertificates()) {
                    serials.put(e.getSerialNumber().toString(16), Map.of());
                }
            }
            return Response.of(Map.of("serials", serials));
        }).orElse(null);
    }

    Response delete(String name) {
        storage.delete(PREFIX + name);
        return null;
    }

    /**
     * Refuses the login when any certificate of {@code path} (leaf first) is revoked by a stored
     * CRL, or, with OCSP enabled, when the leaf's responder does not vouch for it.
     */
    void check(List<X509Certificate> path, X509Certificate anchor, CertAuthBackend.CertRole role) {
        List<X509CRL> crls = new ArrayList<>();
        for (String name : storage.list(PREFIX)) {
            load(name).ifPresent(crls::add);
        }
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuer = i + 1 < path.size() ? path.get(i + 1) : anchor;
            if (issuer.equals(cert)) {
                continue; // a pinned certificate: no issuer to judge a CRL by
            }
            for (X509CRL crl : crls) {
                if (crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal()) && signedBy(crl, issuer)
                        && crl.isRevoked(cert)) {
                    throw EngineException.badRequest("invalid certificate: it is revoked (CRL of "
                            + crl.getIssuerX500Principal().getName() + ")");
                }
            }
        }
        if (role.ocspEnabled) {
            X509Certificate leaf = path.get(0);
            X509Certificate issuer = path.size() > 1 ? path.get(1) : anchor;
            ocsp(leaf, issuer, role);
        }
    }

    private void ocsp(X509Certificate cert, X509Certificate issuer, CertAuthBackend.CertRole role) {
        List<String> servers = role.ocspServersOverride.isEmpty() ? responders(cert) : role.ocspServersOverride;
        String last = "the certificate names no OCSP responder";
        try {
            CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                    .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(issuer), cert.getSerialNumber());
            byte[] request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
            for (String server : servers) {
                try {
                    OutboundHttps.Reply r = OutboundHttps.send(OutboundHttps.client(null, "ocsp"), HttpRequest
                            .newBuilder(URI.create(server)).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/ocsp-request")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build());
                    CertificateStatus status = status(r, id, issuer);
                    if (status == CertificateStatus.GOOD) {
                        return;
                    }
                    if (status instanceof RevokedStatus) {
                        throw EngineException.badRequest("invalid certificate: its OCSP responder says it is revoked");
                    }
                    last = "the OCSP responder does not know the certificate";
                } catch (IOException | IllegalArgumentException | OcspFailure e) {
                    last = "OCSP responder " + server + ": " + e.getMessage();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            last = "interrupted";
        } catch (Exception e) {
            if (e instanceof EngineException ee) {
                throw ee;
            }
            last = e.getClass().getSimpleName();
        }
        if (!role.ocspFailOpen) {
            throw EngineException.badRequest("invalid certificate: OCSP could not confirm it is good (" + last + ")");
        }
    }

    /** A response that cannot be trusted or read. */
    private static final class OcspFailure extends Exception {
        private static final long serialVersionUID = 1L;

        OcspFailure(String message) {
            super(message);
        }
    }

    /** The status the response gives {@code id}, after checking who signed it and that it is current. */
    private CertificateStatus status(OutboundHttps.Reply r, CertificateID id, X509Certificate issuer) throws Exception {
        if (r.status() != 200) {
            throw new OcspFailure("answered HTTP " + r.status());
        }
        OCSPResp resp = new OCSPResp(r.body());
        if (resp.getStatus() != OCSPResp.SUCCESSFUL || !(resp.getResponseObject() instanceof BasicOCSPResp basic)) {
            throw new OcspFailure("response status " + resp.getStatus());
        }
        if (!signedByIssuerOrDelegate(basic, issuer)) {
            throw new OcspFailure("the response is not signed by the issuer or its delegated responder");
        }
        Date now = Date.from(clock.instant());
        for (SingleResp single : basic.getResponses()) {
            if (single.getCertID().equals(id)) {
                if (single.getNextUpdate() != null && single.getNextUpdate().before(now)) {
                    throw new OcspFailure("the response is stale");
                }
                return single.getCertStatus();
            }
        }
        throw new OcspFailure("the response does not cover the certificate");
    }

    private static boolean signedByIssuerOrDelegate(BasicOCSPResp basic, X509Certificate issuer) throws Exception {
        if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(issuer.getPublicKey()))) {
            return true;
        }
        for (X509CertificateHolder h : basic.getCerts()) {
            X509Certificate responder = new JcaX509CertificateConverter().getCertificate(h);
            try {
                responder.verify(issuer.getPublicKey());
                responder.checkValidity();
            } catch (GeneralSecurityException e) {
                continue;
            }
            List<String> eku = responder.getExtendedKeyUsage();
            if (eku != null && eku.contains("1.3.6.1.5.5.7.3.9")
                    && basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(responder.getPublicKey()))) {
                return true;
            }
        }
        return false;
    }

    private static List<String> responders(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        byte[] ext = cert.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return out;
        }
        AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                ASN1OctetString.getInstance(ext).getOctets());
        for (AccessDescription ad : aia.getAccessDescriptions()) {
            if (ad.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    && ad.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
                out.add(ASN1IA5String.getInstance(ad.getAccessLocation().getName()).getString());
            }
        }
        return out;
    }

    private static boolean signedBy(X509CRL crl, X509Certificate issuer) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private Optional<X509CRL> load(String name) {
        return storage.get(PREFIX + name).map(b -> {
            Object der = Json.readMap(b).get("der");
            return parseDer(Base64.getDecoder().decode(String.valueOf(der)));
        });
    }

    private static X509CRL parseCrl(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw EngineException.badRequest("crl is required (PEM, or DER as base64)");
        }
        if (t.startsWith("-----BEGIN")) {
            return parseDer(t.getBytes(StandardCharsets.US_ASCII)); // CertificateFactory reads PEM too
        }
        try {
            return parseDer(Base64.getMimeDecoder().decode(t));
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("crl: neither PEM nor base64 DER");
        }
    }

    private static X509CRL parseDer(byte[] bytes) {
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(bytes));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw EngineException.badRequest("crl: unreadable CRL");
        }
    }
}
