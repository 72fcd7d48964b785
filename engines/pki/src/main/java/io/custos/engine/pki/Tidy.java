package io.custos.engine.pki;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Vault's tidy: drops stored and revoked certificates expired for longer than the safety buffer. */
final class Tidy {
    static final List<Field> FIELDS = List.of(
            Field.of("tidy_cert_store", FieldType.BOOL, "Remove expired certificates from the store."),
            Field.of("tidy_revoked_certs", FieldType.BOOL, "Remove expired certificates from the revocation list."),
            Field.of("safety_buffer", FieldType.DURATION, "Only certificates expired longer than this (default 72h)."));

    /** What one tidy does. */
    record Options(boolean certStore, boolean revoked, long safetyBufferSeconds) {
        static final Options DEFAULT = new Options(false, false, Duration.ofHours(72).toSeconds());

        static Options from(FieldData d, Options o) {
            return new Options(d.has("tidy_cert_store") ? d.getBool("tidy_cert_store") : o.certStore(),
                    d.has("tidy_revoked_certs") ? d.getBool("tidy_revoked_certs") : o.revoked(),
                    d.has("safety_buffer") ? d.getDuration("safety_buffer").toSeconds() : o.safetyBufferSeconds());
        }
    }

    /** Stored {@code config/auto-tidy}. */
    record AutoConfig(boolean enabled, long intervalSeconds, Options options) {
        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("enabled", enabled);
            m.put("interval_duration", intervalSeconds);
            m.put("tidy_cert_store", options.certStore());
            m.put("tidy_revoked_certs", options.revoked());
            m.put("safety_buffer", options.safetyBufferSeconds());
            return m;
        }
    }

    private final EngineContext context;
    private final Supplier<List<Issuer>> issuers;
    private final Crls crls;

    Tidy(EngineContext context, Supplier<List<Issuer>> issuers, Crls crls) {
        this.context = context;
        this.issuers = issuers;
        this.crls = crls;
    }

    AutoConfig autoConfig() {
        return context.storage().get("config/auto-tidy").map(b -> Json.read(b, AutoConfig.class))
                .orElse(new AutoConfig(false, Duration.ofHours(12).toSeconds(), Options.DEFAULT));
    }

    AutoConfig configureAuto(FieldData d) {
        AutoConfig o = autoConfig();
        AutoConfig n = new AutoConfig(d.has("enabled") ? d.getBool("enabled") : o.enabled(),
                d.has("interval_duration") ? d.getDuration("interval_duration").toSeconds() : o.intervalSeconds(),
                Options.from(d, o.options()));
        if (n.intervalSeconds() <= 0) {
            throw EngineException.badRequest("interval_duration must be positive");
        }
        context.storage().put("config/auto-tidy", Json.write(n));
        return n;
    }

    void periodic(Instant now) {
        AutoConfig cfg = autoConfig();
        if (!cfg.enabled()) {
            return;
        }
        long last = stored().get("time_finished") instanceof Number n ? n.longValue() : 0;
        if (now.getEpochSecond() - last >= cfg.intervalSeconds()) {
            run(cfg.options());
        }
    }

    synchronized void run(Options o) {
        long started = context.clock().instant().getEpochSecond();
        Instant cutoff = context.clock().instant().minusSeconds(o.safetyBufferSeconds());
        int certs = 0;
        int revoked = 0;
        Set<String> touched = new HashSet<>();
        if (o.certStore()) {
            for (String key : context.storage().list("certs/")) {
                if (expiredBefore(context.storage().get("certs/" + key).map(Json::readMap).orElse(null), cutoff)
                        && context.storage().get("revoked/" + key).isEmpty()) {
                    context.storage().delete("certs/" + key);
                    certs++;
                }
            }
        }
        if (o.revoked()) {
            for (String key : context.storage().list("revoked/")) {
                Map<String, Object> r = context.storage().get("revoked/" + key).map(Json::readMap).orElse(null);
                if (expiredBefore(r, cutoff)) {
                    context.storage().delete("revoked/" + key);
                    context.storage().delete("certs/" + key);
                    touched.add((String) r.get("issuer_id"));
                    revoked++;
                }
            }
        }
        for (Issuer i : issuers.get()) {
            if (touched.contains(i.id()) && i.canSign()) {
                crls.rebuild(i);
            }
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", "Finished");
        status.put("tidy_cert_store", o.certStore());
        status.put("tidy_revoked_certs", o.revoked());
        status.put("safety_buffer", o.safetyBufferSeconds());
        status.put("time_started", started);
        status.put("time_finished", context.clock().instant().getEpochSecond());
        status.put("cert_store_deleted_count", certs);
        status.put("revoked_cert_deleted_count", revoked);
        status.put("error", null);
        context.storage().put("tidy-status", Json.write(status));
    }

    /** The last run as Vault's tidy-status shows it: times in RFC 3339. */
    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>(stored());
        for (String k : List.of("time_started", "time_finished")) {
            if (m.get(k) instanceof Number n) {
                m.put(k, Instant.ofEpochSecond(n.longValue()).toString());
            }
        }
        return m;
    }

    private Map<String, Object> stored() {
        return context.storage().get("tidy-status").map(Json::readMap).orElseGet(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", "Inactive");
            return m;
        });
    }

    private static boolean expiredBefore(Map<String, Object> entry, Instant cutoff) {
        if (entry == null || !(entry.get("certificate") instanceof String pem)) {
            return false;
        }
        X509Certificate c = Pem.certificates(pem).get(0);
        return c.getNotAfter().toInstant().isBefore(cutoff);
    }
}
