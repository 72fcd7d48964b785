package io.custos.engine.pki;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/** Per-issuer CRLs: rebuilt on every revocation, stored, served until they expire (then rebuilt). */
final class Crls {
    static final List<Field> FIELDS = List.of(
            Field.of("expiry", FieldType.DURATION, "How long a CRL is valid (default 72h)."),
            Field.of("disable", FieldType.BOOL, "Serve an empty CRL."),
            Field.of("ocsp_disable", FieldType.BOOL, "Turn the OCSP responder off."),
            Field.of("enable_delta", FieldType.BOOL, "Build delta CRLs."),
            Field.of("auto_rebuild", FieldType.BOOL, "Rebuild CRLs before they expire."));

    /** Stored {@code config/crl}. */
    record Config(long expirySeconds, boolean disable, boolean ocspDisable, boolean enableDelta, boolean autoRebuild) {
        Map<String, Object> describe() {
            return Map.of("expiry", PkiFields.ttlText(expirySeconds), "disable", disable, "ocsp_disable", ocspDisable,
                    "enable_delta", enableDelta, "auto_rebuild", autoRebuild);
        }
    }

    private final EngineContext context;
    private final KeyManager keys;

    Crls(EngineContext context, KeyManager keys) {
        this.context = context;
        this.keys = keys;
    }

    Config config() {
        return context.storage().get("config/crl").map(b -> Json.read(b, Config.class))
                .orElse(new Config(Duration.ofHours(72).toSeconds(), false, false, false, false));
    }

    void configure(FieldData d) {
        Config o = config();
        long expiry = d.has("expiry") ? d.getDuration("expiry").toSeconds() : o.expirySeconds();
        if (expiry <= 0) {
            throw EngineException.badRequest("expiry must be positive");
        }
        context.storage().put("config/crl", Json.write(new Config(expiry,
                d.has("disable") ? d.getBool("disable") : o.disable(),
                d.has("ocsp_disable") ? d.getBool("ocsp_disable") : o.ocspDisable(),
                d.has("enable_delta") ? d.getBool("enable_delta") : o.enableDelta(),
                d.has("auto_rebuild") ? d.getBool("auto_rebuild") : o.autoRebuild())));
    }

    /** The issuer's current CRL (DER), rebuilt when missing or past its nextUpdate. */
    byte[] current(Issuer issuer) {
        return context.storage().get("crl/" + issuer.id()).filter(der -> !expired(der)).orElseGet(() -> rebuild(issuer));
    }

    private boolean expired(byte[] der) {
        return !nextUpdate(der).isAfter(context.clock().instant());
    }

    /** After a revocation: the full CRL now, unless auto_rebuild leaves it to the schedule (then the delta). */
    void revoked(Issuer issuer) {
        Config cfg = config();
        if (cfg.autoRebuild() && context.storage().get("crl/" + issuer.id()).isPresent()) {
            if (cfg.enableDelta()) {
                rebuildDelta(issuer);
            }
            return;
        }
        rebuild(issuer);
    }

    /** The issuer's delta CRL: revocations since its last full CRL. */
    byte[] currentDelta(Issuer issuer) {
        if (!config().enableDelta()) {
            throw EngineException.badRequest("delta CRLs are not enabled (config/crl enable_delta)");
        }
        current(issuer);
        return context.storage().get("delta-crl/" + issuer.id()).orElseGet(() -> rebuildDelta(issuer));
    }

    /** Rebuilds full CRLs that expire within a quarter of their lifetime (auto_rebuild). */
    void periodic(List<Issuer> issuers) {
        Config cfg = config();
        if (!cfg.autoRebuild()) {
            return;
        }
        for (Issuer i : issuers) {
            if (!i.canSign()) {
                continue;
            }
            byte[] der = context.storage().get("crl/" + i.id()).orElse(null);
            Instant soon = context.clock().instant().plusSeconds(cfg.expirySeconds() / 4);
            if (der == null || nextUpdate(der).isBefore(soon)) {
                rebuild(i);
            }
        }
    }

    private Instant nextUpdate(byte[] der) {
        try {
            Date next = new X509CRLHolder(der).getNextUpdate();
            return next == null ? Instant.EPOCH : next.toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private synchronized byte[] rebuildDelta(Issuer issuer) {
        byte[] base = context.storage().get("crl/" + issuer.id()).orElseGet(() -> rebuild(issuer));
        try {
            X509CRLHolder holder = new X509CRLHolder(base);
            Instant since = holder.getThisUpdate().toInstant();
            BigInteger baseNumber = CRLNumber.getInstance(holder.getExtension(Extension.cRLNumber).getParsedValue())
                    .getCRLNumber();
            return storeIfNewer("delta-crl/" + issuer.id(), sign(issuer, since, baseNumber));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the base CRL", e);
        }
    }

    /** Builds, signs and stores a fresh CRL of every certificate this issuer revoked. */
    synchronized byte[] rebuild(Issuer issuer) {
        byte[] der = storeIfNewer("crl/" + issuer.id(), sign(issuer, null, null));
        context.storage().delete("delta-crl/" + issuer.id());
        return der;
    }

    /**
     * Stores a CRL unless a newer one (a higher CRL number) is already there, with a compare-and-put:
     * with several brokers revoking at once, the stored CRL only moves forward, and the one with the
     * highest number lists every revocation made before its number was claimed. Returns what is stored.
     */
    private byte[] storeIfNewer(String key, byte[] der) {
        BigInteger mine = number(der);
        for (int attempt = 0; attempt < 64; attempt++) {
            Optional<byte[]> current = context.storage().get(key);
            if (current.isPresent() && number(current.get()).compareTo(mine) >= 0) {
                return current.get();
            }
            if (context.storage().compareAndPut(key, current, der)) {
                return der;
            }
        }
        throw new EngineException(503, "too many concurrent CRL rebuilds; try again");
    }

    private static BigInteger number(byte[] der) {
        try {
            return CRLNumber.getInstance(new X509CRLHolder(der).getExtension(Extension.cRLNumber).getParsedValue())
                    .getCRLNumber();
        } catch (IOException | RuntimeException e) {
            return BigInteger.valueOf(-1);
        }
    }

    /** The next CRL number of the issuer, claimed with a compare-and-put so no two CRLs share one. */
    private long claimNumber(Issuer issuer) {
        String key = "crl-number/" + issuer.id();
        for (int attempt = 0; attempt < 64; attempt++) {
            Optional<byte[]> current = context.storage().get(key);
            long next = current.map(x -> Long.parseLong(new String(x, StandardCharsets.US_ASCII))).orElse(0L) + 1;
            if (context.storage().compareAndPut(key, current, Long.toString(next).getBytes(StandardCharsets.US_ASCII))) {
                return next;
            }
        }
        throw new EngineException(503, "too many concurrent CRL rebuilds; try again");
    }

    /** A CRL of this issuer's revocations (since {@code since} for a delta, whose base is {@code baseNumber}). */
    private byte[] sign(Issuer issuer, Instant since, BigInteger baseNumber) {
        if (!issuer.canSign()) {
            throw EngineException.badRequest("issuer " + issuer.id() + " has no key here and cannot sign a CRL");
        }
        Config cfg = config();
        // the number first, then the list: a CRL lists every revocation stored before its number was claimed
        long number = claimNumber(issuer);
        Instant now = context.clock().instant();
        X509Certificate ca = issuer.cert();
        X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                Date.from(now));
        b.setNextUpdate(Date.from(now.plusSeconds(cfg.expirySeconds())));
        if (!cfg.disable()) {
            for (String key : context.storage().list("revoked/")) {
                Map<String, Object> r = context.storage().get("revoked/" + key).map(Json::readMap).orElse(null);
                if (r != null && issuer.id().equals(r.get("issuer_id"))) {
                    Instant at = Instant.ofEpochSecond(((Number) r.get("revocation_time")).longValue());
                    if (since == null || !at.isBefore(since.minusSeconds(1))) {
                        b.addCRLEntry(Certs.parseSerial(key), Date.from(at), CRLReason.unspecified);
                    }
                }
            }
        }
        try {
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.getPublicKey()));
            if (baseNumber != null) {
                b.addExtension(Extension.deltaCRLIndicator, true, new CRLNumber(baseNumber));
            }
            return b.build(keys.signer(issuer.keyId())).getEncoded();
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build the CRL", e);
        }
    }
}
