package io.custos.engine.pki;

import static io.custos.engine.pki.PkiFields.der;

import io.custos.engine.sdk.DecodedCache;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Response;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The mount's issuers (CA certificates, their chains and key references) and its certificate
 * store, in storage: lookup by id, name or {@code default}, naming rules, deletion with the key
 * that only one issuer used, and the issuing URLs written into certificates.
 */
final class Issuers {
    private final EngineContext context;
    private final KeyManager keys;
    private final DecodedCache decoded;

    Issuers(EngineContext context, KeyManager keys, DecodedCache decoded) {
        this.context = context;
        this.keys = keys;
        this.decoded = decoded;
    }

    /** Decoded entries of this mount's storage (roles, issuers, configuration), for the issuing path. */
    DecodedCache decoded() {
        return decoded;
    }

    Issuer store(Issuer i) {
        context.storage().put("issuers/" + i.id(), Json.write(i));
        return i;
    }

    List<String> listIssuerIds() {
        return context.storage().list("issuers/").stream().filter(k -> !k.endsWith("/")).toList();
    }

    List<Issuer> issuers() {
        return listIssuerIds().stream().map(this::issuer).toList();
    }

    Optional<String> defaultIssuerId() {
        return decoded.get("config/issuers", b -> Objects.toString(Json.readMap(b).get("default"), ""))
                .filter(s -> !s.isEmpty());
    }

    /** An issuer by id, name or {@code default}; 400 when none matches. */
    Issuer issuer(String ref) {
        String r = ref == null || ref.isEmpty() ? "default" : ref;
        if (r.equals("default")) {
            String id = defaultIssuerId().orElseThrow(() -> EngineException.badRequest(
                    "no default issuer currently configured"));
            return load(id).orElseThrow(() -> EngineException.badRequest("no default issuer currently configured"));
        }
        Optional<Issuer> byId = load(r);
        if (byId.isPresent()) {
            return byId.get();
        }
        for (String id : listIssuerIds()) {
            Issuer i = load(id).orElse(null);
            if (i != null && r.equals(i.name())) {
                return i;
            }
        }
        throw EngineException.badRequest("unable to find PKI issuer for reference: " + r);
    }

    Optional<Issuer> load(String id) {
        if (id.contains("/")) {
            return Optional.empty();
        }
        return decoded.get("issuers/" + id, b -> Json.read(b, Issuer.class));
    }

    Issuer signingIssuer(String ref) {
        Issuer i = issuer(ref);
        if (!i.canSign()) {
            throw EngineException.badRequest("issuer " + i.id() + " has no key here and cannot sign");
        }
        return i;
    }

    String uniqueName(String wanted) {
        if (wanted == null || wanted.isEmpty()) {
            return "";
        }
        if (!wanted.matches("[A-Za-z0-9_-]+") || wanted.equals("default")) {
            throw EngineException.badRequest("issuer_name must be letters, digits, '-' or '_' (and not \"default\")");
        }
        for (String id : listIssuerIds()) {
            if (load(id).map(Issuer::name).filter(wanted::equals).isPresent()) {
                throw EngineException.badRequest("issuer name already in use: " + wanted);
            }
        }
        return wanted;
    }

    List<String> chainOf(Issuer i) {
        return i.caChain() == null || i.caChain().isEmpty() ? List.of(i.certificate()) : i.caChain();
    }

    List<X509Certificate> chainCerts(Issuer i) {
        List<X509Certificate> out = new ArrayList<>();
        chainOf(i).forEach(p -> out.addAll(Pem.certificates(p)));
        return out;
    }

    Map<String, Object> describe(Issuer i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer_id", i.id());
        m.put("issuer_name", i.name());
        m.put("key_id", i.keyId() == null ? "" : i.keyId());
        m.put("certificate", i.certificate());
        m.put("ca_chain", chainOf(i));
        m.put("leaf_not_after_behavior", i.leafNotAfterBehavior());
        return m;
    }

    Response listIssuers() {
        List<String> ids = listIssuerIds();
        if (ids.isEmpty()) {
            return null;
        }
        Map<String, Object> info = new LinkedHashMap<>();
        for (String id : ids) {
            Issuer i = issuer(id);
            info.put(id, Map.of("issuer_name", i.name(), "is_default", defaultIssuerId().filter(id::equals).isPresent()));
        }
        return Response.of(Map.of("keys", ids, "key_info", info));
    }

    Response issuerForm(Issuer i, String form) {
        X509Certificate c = i.cert();
        return switch (form) {
            case "der" -> Response.raw(200, "application/pkix-cert", der(c));
            case "pem" -> Response.raw(200, "application/pem-file", (Pem.encode(c) + "\n").getBytes());
            default -> Response.of(Map.of("certificate", Pem.encode(c), "ca_chain", chainOf(i), "issuer_id", i.id(),
                    "issuer_name", i.name()));
        };
    }

    void deleteIssuer(Issuer i) {
        context.storage().delete("issuers/" + i.id());
        // the key goes with its last issuer: Custos has no key API, so nothing could use or delete it later
        if (i.canSign() && listIssuerIds().stream().map(this::issuer).noneMatch(o -> i.keyId().equals(o.keyId()))) {
            keys.delete(i.keyId());
        }
        if (defaultIssuerId().filter(i.id()::equals).isPresent()) {
            context.storage().delete("config/issuers");
        }
    }

    Response deleteAll() {
        for (String id : listIssuerIds()) {
            Issuer i = issuer(id);
            if (i.canSign()) {
                keys.delete(i.keyId());
            }
            context.storage().delete("issuers/" + id);
        }
        context.storage().delete("config/issuers");
        return null;
    }

    Response updateIssuer(Issuer i, FieldData d) {
        Issuer updated = i;
        String name = d.getString("issuer_name");
        if (name != null && !name.isEmpty() && !name.equals(i.name())) {
            updated = updated.named(uniqueName(name));
        }
        if (d.has("leaf_not_after_behavior")) {
            String behavior = d.getString("leaf_not_after_behavior");
            if (!Issuer.LEAF_NOT_AFTER_BEHAVIORS.contains(behavior)) {
                throw EngineException.badRequest("invalid value for leaf_not_after_behavior: " + behavior
                        + " (must be err, truncate or permit)");
            }
            updated = updated.withLeafNotAfterBehavior(behavior);
        }
        return Response.of(describe(updated == i ? i : store(updated)));
    }

    Certs.Urls urls() {
        return decoded.get("config/urls", b -> Json.read(b, Certs.Urls.class)).orElse(Certs.Urls.NONE);
    }

    void storeCert(X509Certificate cert, Issuer issuer) {
        storeCert(Pem.encode(cert), cert, issuer);
    }

    void storeCert(String pem, X509Certificate cert, Issuer issuer) {
        storeCert(pem, cert.getSerialNumber(), issuer);
    }

    void storeCert(String pem, BigInteger serial, Issuer issuer) {
        context.storage().putRecord("certs/" + Certs.key(serial), Json.write(Map.of("certificate", pem,
                "issuer_id", issuer.id())));
    }
}
