package io.custos.engine.pki;

import static io.custos.engine.pki.PkiFields.required;
import static io.custos.engine.pki.PkiFields.str;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Revocation (OpenBao's {@code path_revoke.go}, {@code path_fetch.go}, {@code path_ocsp.go}):
 * certificates read back by serial, revoked by serial or by a holder of the key, CRLs and delta
 * CRLs, and the RFC 6960 OCSP responder.
 */
final class RevocationPaths {
    private final EngineContext context;
    private final Issuers issuers;
    private final Crls crls;
    private final Ocsp ocsp;

    RevocationPaths(EngineContext context, Issuers issuers, Crls crls, Ocsp ocsp) {
        this.context = context;
        this.issuers = issuers;
        this.crls = crls;
        this.ocsp = ocsp;
    }

    /** Stored certificates by serial, and the revoked ones. */
    List<PathSpec> certificatePaths() {
        return List.of(
                PathSpec.path("cert/(?P<serial>[0-9A-Fa-f:-]+|ca|crl|delta-crl)")
                        .fields(str("serial", "Serial number (colon or hyphen separated), or ca / crl."))
                        .on(READ, (r, d) -> readCert(d.getString("serial")))
                        .help("A certificate by serial number (JSON, PEM in certificate).", "")
                        .unauthenticated(READ)
                        .build(),
                PathSpec.path("certs/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("certs/").stream()
                                .map(k -> k.replace('-', ':')).toList()))
                        .help("Serial numbers of stored certificates.", "")
                        .build(),
                PathSpec.path("certs/revoked/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("revoked/").stream()
                                .map(k -> k.replace('-', ':')).toList()))
                        .help("Serial numbers of revoked certificates.", "")
                        .build());
    }

    /** Revocation, the CRLs and the OCSP responder. */
    List<PathSpec> revocationPaths() {
        return List.of(
                PathSpec.path("revoke")
                        .fields(str("serial_number", "Serial of the certificate to revoke."),
                                str("certificate", "Or the certificate itself, PEM."))
                        .on(UPDATE, (r, d) -> revoke(d.getString("serial_number"), d.getString("certificate"), null))
                        .help("Revokes a certificate and rebuilds the CRL.", "")
                        .build(),
                PathSpec.path("revoke-with-key")
                        .fields(str("serial_number", "Serial of the certificate to revoke."),
                                str("certificate", "Or the certificate itself, PEM."),
                                str("private_key", "The certificate's private key, proving possession."))
                        .on(UPDATE, (r, d) -> revoke(d.getString("serial_number"), d.getString("certificate"),
                                required(d, "private_key")))
                        .help("Revokes a certificate by a holder of its private key.", "")
                        .build(),
                crlPath("crl", false, false),
                crlPath("crl/pem", true, false),
                crlPath("crl/delta", false, true),
                crlPath("crl/delta/pem", true, true),
                PathSpec.path("ocsp")
                        .on(UPDATE, (r, d) -> ocspAnswer(ocspBody(r)))
                        .help("RFC 6960 OCSP responder: POST an application/ocsp-request.", "")
                        .unauthenticated(UPDATE)
                        .build(),
                PathSpec.path("ocsp/(?P<req>.+)")
                        .fields(str("req", "The base64 DER OCSP request."))
                        .on(READ, (r, d) -> ocspAnswer(decodeOcspGet(d.getString("req"))))
                        .help("RFC 6960 OCSP responder, GET form: ocsp/<base64 request>.", "")
                        .unauthenticated(READ)
                        .lenientPath()
                        .build());
    }

    /** CRL rebuilds and settings. */
    List<PathSpec> crlConfigPaths() {
        return List.of(
                PathSpec.path("crl/rotate")
                        .on(READ, (r, d) -> {
                            issuers.listIssuerIds().forEach(id -> crls.rebuild(issuers.issuer(id)));
                            return Response.of(Map.of("success", true));
                        })
                        .help("Rebuilds every issuer's CRL now.", "")
                        .build(),
                PathSpec.path("config/crl")
                        .fields(Crls.FIELDS)
                        .on(READ, (r, d) -> Response.of(crls.config().describe()))
                        .on(UPDATE, (r, d) -> {
                            crls.configure(d);
                            return null;
                        })
                        .help("CRL settings: expiry, disable.", "")
                        .build());
    }

    Response readCert(String serial) {
        if (serial.equals("ca")) {
            return Response.of(Map.of("certificate", issuers.issuer("default").certificate()));
        }
        if (serial.equals("crl")) {
            return Response.of(Map.of("certificate", Pem.encode("X509 CRL", crls.current(issuers.issuer("default")))));
        }
        BigInteger s = Certs.parseSerial(serial);
        Optional<byte[]> stored = context.storage().get("certs/" + Certs.key(s));
        if (stored.isEmpty()) {
            return null;
        }
        Map<String, Object> m = Json.readMap(stored.get());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("certificate", m.get("certificate"));
        Optional<byte[]> revoked = context.storage().get("revoked/" + Certs.key(s));
        long when = revoked.map(b -> Json.readMap(b).get("revocation_time")).map(t -> ((Number) t).longValue()).orElse(0L);
        out.put("revocation_time", when);
        out.put("revocation_time_rfc3339", when == 0 ? "" : Instant.ofEpochSecond(when).toString());
        out.put("issuer_id", m.getOrDefault("issuer_id", ""));
        return Response.of(out);
    }

    /**
     * Whether {@code key} is the private half of {@code certKey}, shown by signing a fresh random
     * challenge with it and verifying that with the certificate's key. Comparing the public key a
     * PEM structure carries (or derives without checking) is not proof: an EC key with d = 1 and the
     * victim's public point, or RSA with the victim's n and e and garbage primes, carries the right
     * public key but cannot produce a signature that verifies.
     */
    static boolean provesPossession(PrivateKey key, PublicKey certKey) {
        String alg = switch (certKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(certKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a key of another type or a malformed one proves nothing
        }
    }

    Response revoke(String serialText, String certPem, String privateKeyPem) {
        X509Certificate cert;
        BigInteger serial;
        if (certPem != null && !certPem.isEmpty()) {
            List<X509Certificate> given = Pem.certificates(certPem);
            if (given.isEmpty()) {
                throw EngineException.badRequest("certificate: no PEM certificate given");
            }
            cert = given.get(0);
            serial = cert.getSerialNumber();
        } else if (serialText != null && !serialText.isEmpty()) {
            serial = Certs.parseSerial(serialText);
            cert = context.storage().get("certs/" + Certs.key(serial))
                    .map(b -> Pem.certificates((String) Json.readMap(b).get("certificate")).get(0)).orElse(null);
        } else {
            throw EngineException.badRequest("one of serial_number or certificate is required");
        }
        if (cert == null) {
            throw EngineException.badRequest("certificate with serial " + Certs.serial(serial)
                    + " not found (certificates issued with no_store can be revoked by giving the certificate)");
        }
        if (privateKeyPem != null) {
            KeyPair pair = Pem.keyPair(privateKeyPem);
            if (pair == null || !provesPossession(pair.getPrivate(), cert.getPublicKey())) {
                throw EngineException.badRequest("the private key does not match the certificate");
            }
        }
        Issuer issuer = issuerOf(cert);
        if (cert.getBasicConstraints() >= 0 && issuers.issuers().stream()
                .anyMatch(i -> i.cert().equals(cert))) {
            throw EngineException.badRequest("adding issuer (id: " + Certs.serial(serial) + ") to its own CRL is "
                    + "not allowed");
        }
        String key = Certs.key(serial);
        Optional<byte[]> already = context.storage().get("revoked/" + key);
        long when = already.map(b -> ((Number) Json.readMap(b).get("revocation_time")).longValue())
                .orElse(context.clock().instant().getEpochSecond());
        if (already.isEmpty()) {
            context.storage().put("revoked/" + key, Json.write(Map.of("revocation_time", when, "issuer_id", issuer.id(),
                    "certificate", Pem.encode(cert))));
            crls.revoked(issuer);
        }
        return Response.of(Map.of("revocation_time", when, "revocation_time_rfc3339", Instant.ofEpochSecond(when)
                .toString(), "state", "revoked"));
    }

    Issuer issuerOf(X509Certificate cert) {
        for (Issuer i : issuers.issuers()) {
            try {
                cert.verify(i.cert().getPublicKey());
                return i;
            } catch (Exception e) {
                // not this one
            }
        }
        throw EngineException.badRequest("the certificate was not issued by any issuer of this mount");
    }

    Response ocspAnswer(byte[] request) {
        if (crls.config().ocspDisable()) {
            return Response.raw(401, "application/ocsp-response", new byte[0]);
        }
        return Response.raw(200, "application/ocsp-response", ocsp.respond(request, issuers.issuers(), Duration.ofHours(12)));
    }

    /**
     * RFC 6960 §A.1's GET: the URL-encoded base64 of the DER request after {@code ocsp/}. The
     * broker has percent-decoded the path; base64's '/' may have arrived encoded or doubled, which
     * is why the path is declared lenient. What does not decode is answered "malformedRequest".
     */
    static byte[] decodeOcspGet(String encoded) {
        String s = encoded == null ? "" : encoded.trim();
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getDecoder().decode(URLDecoder.decode(s.replace("+", "%2B"),
                        StandardCharsets.UTF_8));
            } catch (IllegalArgumentException again) {
                return new byte[0]; // answered as a malformed request
            }
        }
    }

    /** The POST body: the broker hands non-JSON bodies over as the context's raw body. */
    static byte[] ocspBody(Request r) {
        byte[] body = r.context().rawBody();
        return body == null ? new byte[0] : body;
    }

    PathSpec crlPath(String path, boolean pem, boolean delta) {
        return PathSpec.path(path)
                .on(READ, (r, d) -> {
                    byte[] crl = delta ? crls.currentDelta(issuers.issuer("default")) : crls.current(issuers.issuer("default"));
                    return pem ? Response.raw(200, "application/pem-file", (Pem.encode("X509 CRL", crl) + "\n").getBytes())
                            : Response.raw(200, "application/pkix-crl", crl);
                })
                .help("The default issuer's " + (delta ? "delta CRL (config/crl enable_delta)" : "CRL") + ", "
                        + (pem ? "PEM." : "DER."), "")
                .unauthenticated(READ)
                .build();
    }
}
