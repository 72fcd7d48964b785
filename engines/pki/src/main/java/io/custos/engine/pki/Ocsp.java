package io.custos.engine.pki;

import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.StorageView;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cert.ocsp.jcajce.JcaRespID;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * An RFC 6960 responder: for each request, find the issuer whose name and key hashes match,
 * answer good (issued here, not revoked), revoked (with its time) or unknown, and sign the basic
 * response with that issuer's key (the issuer is its own responder, so clients need no delegate).
 * A request for an issuer this mount does not hold is answered "unauthorized", as Vault does.
 */
final class Ocsp {
    private final StorageView storage;
    private final KeyManager keys;
    private final Clock clock;

    Ocsp(StorageView storage, KeyManager keys, Clock clock) {
        this.storage = storage;
        this.keys = keys;
        this.clock = clock;
    }

    /** DER of the OCSP response for DER {@code request}; malformed requests get MALFORMED_REQUEST. */
    byte[] respond(byte[] request, List<Issuer> issuers, Duration nextUpdate) {
        try {
            OCSPReq req;
            try {
                req = new OCSPReq(request);
            } catch (IOException | RuntimeException e) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST);
            }
            Req[] items = req.getRequestList();
            if (items.length == 0) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST);
            }
            DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
            Issuer responder = null;
            for (Issuer i : issuers) {
                if (i.canSign() && matches(items[0].getCertID(), i.cert(), digests)) {
                    responder = i;
                    break;
                }
            }
            if (responder == null) {
                return status(OCSPRespBuilder.UNAUTHORIZED);
            }
            X509Certificate ca = responder.cert();
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new JcaRespID(ca.getPublicKey(),
                    digests.get(CertificateID.HASH_SHA1)));
            Instant now = clock.instant();
            for (Req item : items) {
                CertificateID id = item.getCertID();
                CertificateStatus status;
                if (!matches(id, ca, digests)) {
                    status = new UnknownStatus();
                } else {
                    status = statusOf(id.getSerialNumber(), responder);
                }
                b.addResponse(id, status, Date.from(now), Date.from(now.plus(nextUpdate)), null);
            }
            Extension nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            if (nonce != null && !validNonceLength(nonce)) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST); // RFC 8954: 1 to 32 octets, never echoed otherwise
            }
            if (nonce != null) {
                b.setResponseExtensions(new Extensions(nonce));
            }
            X509CertificateHolder[] chain = {new JcaX509CertificateHolder(ca)};
            return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, b.build(keys.signer(responder.keyId()), chain,
                    Date.from(now))).getEncoded();
        } catch (OCSPException | IOException | OperatorCreationException
                | CertificateEncodingException e) {
            return status(OCSPRespBuilder.INTERNAL_ERROR);
        }
    }

    private CertificateStatus statusOf(BigInteger serial, Issuer issuer) {
        String key = Certs.key(serial);
        var revoked = storage.get("revoked/" + key).map(Json::readMap);
        if (revoked.isPresent() && issuer.id().equals(revoked.get().get("issuer_id"))) {
            long at = ((Number) revoked.get().get("revocation_time")).longValue();
            return new RevokedStatus(Date.from(Instant.ofEpochSecond(at)), CRLReason.unspecified);
        }
        Map<String, Object> stored = storage.get("certs/" + key).map(Json::readMap).orElse(null);
        if (stored != null && issuer.id().equals(stored.get("issuer_id"))) {
            return CertificateStatus.GOOD;
        }
        // not on record (an unknown serial, or issued with no_store): unknown, as Vault answers
        return new UnknownStatus();
    }

    private static boolean matches(CertificateID id, X509Certificate ca, DigestCalculatorProvider digests) {
        try {
            return id.matchesIssuer(new JcaX509CertificateHolder(ca), digests);
        } catch (OCSPException | CertificateEncodingException e) {
            return false;
        }
    }

    private static byte[] status(int code) {
        try {
            OCSPResp r = new OCSPRespBuilder().build(code, null);
            return r.getEncoded();
        } catch (OCSPException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 8954 §2.1: a nonce is 1 to 32 octets (inside its OCTET STRING, or the raw value if not wrapped). */
    static boolean validNonceLength(Extension nonce) {
        int length;
        try {
            length = ASN1OctetString.getInstance(nonce.getParsedValue()).getOctets().length;
        } catch (RuntimeException e) {
            length = nonce.getExtnValue().getOctets().length;
        }
        return length >= 1 && length <= 32;
    }
}
