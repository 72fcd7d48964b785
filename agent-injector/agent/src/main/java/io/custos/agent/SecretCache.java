package io.custos.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every secret the templates asked for, fetched once and shared by the templates that use it
 * (consul-template's dependencies), with what to do next and when: renew a renewable lease, fetch
 * new credentials before one ends, re-read a lease-less secret every static interval, re-issue a
 * certificate at its threshold. The decisions are {@link RefreshPolicy}'s.
 */
final class SecretCache implements Functions.SecretSource {
    enum Kind { READ, WRITE, LIST, PKI }

    enum Action { REREAD, RENEW, REFETCH }

    /** One dependency: its value and lease, and its next action. */
    static final class Entry {
        final String key;
        final Kind kind;
        final String path;
        final Map<String, Object> data;
        Object value;
        String leaseId = "";
        Duration leaseDuration = Duration.ZERO;
        boolean renewable;
        Instant fetched;
        Instant leaseEnd;
        Duration grace = Duration.ZERO;
        Instant next;
        Action action;
        String lastError;
        int failures;
        Duration backoff = Duration.ZERO;
        final Set<Integer> templates = new TreeSet<>();

        Entry(String key, Kind kind, String path, Map<String, Object> data) {
            this.key = key;
            this.kind = kind;
            this.path = path;
            this.data = data;
        }

        boolean hasLease() {
            return !leaseId.isEmpty();
        }
    }

    private final BrokerClient client;
    private final Clock clock;
    private final AgentConfig.TemplateSettings settings;
    private final Random random;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Boolean> kvV2Mounts = new HashMap<>();
    /** The template being rendered (its index and destination), so its dependencies are recorded. */
    private int currentTemplate = -1;
    private String currentDestination;

    SecretCache(BrokerClient client, Clock clock, AgentConfig.TemplateSettings settings, Random random) {
        this.client = client;
        this.clock = clock;
        this.settings = settings;
        this.random = random;
    }

    void rendering(int template, String destination) {
        this.currentTemplate = template;
        this.currentDestination = destination;
    }

    Collection<Entry> entries() {
        return entries.values();
    }

    // ---- the template functions

    @Override
    public Map<String, Object> secret(String path, Map<String, Object> data) throws Exception {
        boolean write = !data.isEmpty();
        String p = write ? trim(path) : kvPath(trim(path), "data/");
        Entry e = entry((write ? "write:" : "read:") + p + (write ? ":" + data : ""), write ? Kind.WRITE : Kind.READ, p,
                data);
        return cast(e.value);
    }

    @Override
    public List<String> list(String path) throws Exception {
        String p = kvPath(trim(path), "metadata/");
        Entry e = entry("list:" + p, Kind.LIST, p, Map.of());
        @SuppressWarnings("unchecked")
        List<String> keys = (List<String>) e.value;
        return keys;
    }

    @Override
    public Map<String, Object> pkiCert(String path, Map<String, Object> data) throws Exception {
        String p = trim(path);
        Entry e = entries.get("pki:" + p + ":" + data);
        if (e == null) {
            e = new Entry("pki:" + p + ":" + data, Kind.PKI, p, data);
            Map<String, Object> existing = currentDestination == null ? null : certificateOnDisk(Path.of(currentDestination));
            if (existing != null && !clock.instant().isBefore(certDue(existing))) {
                existing = null; // due (or past): issue a new one
            }
            if (existing != null) {
                e.value = existing;
                e.fetched = clock.instant();
                e.action = Action.REFETCH;
                e.next = certDue(existing);
            } else {
                fetch(e);
            }
            entries.put(e.key, e);
        }
        if (currentTemplate >= 0) {
            e.templates.add(currentTemplate);
        }
        return cast(e.value);
    }

    private Instant certDue(Map<String, Object> pem) throws Exception {
        X509Certificate c = parse((String) pem.get("Cert"));
        return RefreshPolicy.certificateDue(c.getNotBefore().toInstant(), c.getNotAfter().toInstant(),
                settings.leaseRenewalThreshold());
    }

    private Entry entry(String key, Kind kind, String path, Map<String, Object> data) throws IOException {
        Entry e = entries.get(key);
        if (e == null) {
            e = new Entry(key, kind, path, data);
            fetch(e);
            entries.put(key, e);
        }
        if (currentTemplate >= 0) {
            e.templates.add(currentTemplate);
        }
        if (e.value == null) {
            throw new IOException(e.lastError == null ? "no data at " + path : e.lastError);
        }
        return e;
    }

    // ---- fetching and refreshing

    /** Fetches (or re-fetches) an entry and schedules its next action. Returns whether its value changed. */
    boolean fetch(Entry e) throws IOException {
        Object before = e.value;
        Instant now = clock.instant();
        switch (e.kind) {
            case READ -> {
                Json r = client.request("GET", e.path, null);
                if (r == null) {
                    throw new IOException("no data at " + e.path);
                }
                adopt(e, r);
            }
            case WRITE, PKI -> {
                Map<String, Object> body = new LinkedHashMap<>(e.data);
                if (e.kind == Kind.PKI) {
                    body.putIfAbsent("private_key_format", "pkcs8");
                }
                Json r = client.request("PUT", e.path, body);
                if (e.kind == Kind.PKI) {
                    e.value = pem(r.get("data"));
                    e.leaseId = r.path("lease_id").asText("");
                } else {
                    adopt(e, r);
                }
            }
            case LIST -> {
                BrokerClient.Reply r = client.call("LIST", e.path, null, Map.of());
                List<String> keys = new ArrayList<>();
                if (r.ok() && r.body() != null) {
                    keys.addAll(r.body().path("data").path("keys").texts());
                } else if (r.status() != 404) {
                    throw new BrokerClient.ApiException("LIST", e.path, r);
                }
                keys.sort(null);
                e.value = keys;
            }
            default -> throw new IllegalStateException();
        }
        e.fetched = now;
        e.failures = 0;
        e.backoff = Duration.ZERO;
        e.lastError = null;
        schedule(e, now);
        return !Objects.equals(before, e.value);
    }

    private void adopt(Entry e, Json r) {
        Map<String, Object> secret = new LinkedHashMap<>();
        secret.put("RequestID", r.path("request_id").asText(""));
        secret.put("LeaseID", r.path("lease_id").asText(""));
        secret.put("LeaseDuration", r.path("lease_duration").asLong());
        secret.put("Renewable", r.path("renewable").asBoolean());
        secret.put("Data", r.path("data").value());
        secret.put("Warnings", new ArrayList<Object>(r.path("warnings").texts()));
        e.value = secret;
        e.leaseId = r.path("lease_id").asText("");
        e.leaseDuration = Duration.ofSeconds(r.path("lease_duration").asLong());
        e.renewable = r.path("renewable").asBoolean();
    }

    private void schedule(Entry e, Instant now) throws IOException {
        if (e.kind == Kind.PKI) {
            e.action = Action.REFETCH;
            try {
                e.next = certDue(cast(e.value));
            } catch (Exception ex) {
                throw new IOException("the issued certificate does not parse: " + ex.getMessage());
            }
            return;
        }
        if (e.hasLease() && !e.leaseDuration.isZero()) {
            e.leaseEnd = now.plus(e.leaseDuration);
            e.grace = RefreshPolicy.grace(e.leaseDuration, random.nextDouble());
            if (e.renewable) {
                e.action = Action.RENEW;
                e.next = RefreshPolicy.renewAt(now, e.leaseDuration);
            } else {
                e.action = Action.REFETCH;
                e.next = RefreshPolicy.refetchNonRenewable(now, e.leaseDuration, settings.leaseRenewalThreshold(),
                        random.nextDouble());
            }
            return;
        }
        e.action = Action.REREAD; // lease-less: re-read on the static interval only (never a dynamic secret)
        e.next = now.plus(settings.staticSecretRenderInterval());
    }

    /**
     * Renews a lease: the next renewal after 2/3 of what was granted; a grant shorter than asked
     * (max TTL near) or inside the grace schedules new credentials before the end instead. A
     * refused renewal (lease revoked) makes new credentials due now. Returns false when the lease
     * could not be kept.
     */
    boolean renew(Entry e) throws IOException {
        Instant now = clock.instant();
        BrokerClient.Reply r = client.call("PUT", "sys/leases/renew", Map.of("lease_id", e.leaseId, "increment",
                e.leaseDuration.toSeconds()), Map.of());
        if (!r.ok()) {
            if (r.status() >= 500 || r.status() == 0) {
                throw new BrokerClient.ApiException("PUT", "sys/leases/renew", r);
            }
            e.action = Action.REFETCH;
            e.next = now;
            return false;
        }
        Duration got = Duration.ofSeconds(r.body().path("lease_duration").asLong());
        e.leaseEnd = now.plus(got);
        if (RefreshPolicy.renewalExhausted(e.leaseDuration, got, e.grace)) {
            e.action = Action.REFETCH;
            e.next = RefreshPolicy.refetchBefore(e.leaseEnd, e.grace, now);
        } else {
            e.action = Action.RENEW;
            e.next = RefreshPolicy.renewAt(now, got);
        }
        return true;
    }

    /** Takes over the secrets an earlier agent rendered (the hand-off): same values, same leases. */
    @SuppressWarnings("unchecked")
    void adopt(List<Map<String, Object>> saved) {
        Instant now = clock.instant();
        for (Map<String, Object> m : saved) {
            Entry e = new Entry((String) m.get("key"), Kind.valueOf((String) m.get("kind")), (String) m.get("path"),
                    m.get("data") == null ? Map.of() : (Map<String, Object>) m.get("data"));
            e.value = m.get("value");
            e.leaseId = String.valueOf(m.getOrDefault("lease_id", ""));
            e.leaseDuration = Duration.ofSeconds(Json.number(m.get("lease_duration")));
            e.renewable = Boolean.TRUE.equals(m.get("renewable"));
            long end = Json.number(m.get("lease_end"));
            e.leaseEnd = end == 0 ? null : Instant.ofEpochSecond(end);
            e.fetched = now;
            e.grace = RefreshPolicy.grace(e.leaseDuration, random.nextDouble());
            if (e.kind == Kind.PKI) {
                try {
                    e.action = Action.REFETCH;
                    e.next = certDue(cast(e.value));
                } catch (Exception ex) {
                    e.next = now;
                }
            } else if (e.hasLease() && e.leaseEnd != null) {
                e.action = e.renewable ? Action.RENEW : Action.REFETCH;
                e.next = e.renewable ? now : RefreshPolicy.refetchBefore(e.leaseEnd, e.grace, now);
            } else {
                e.action = Action.REREAD;
                e.next = now.plus(settings.staticSecretRenderInterval());
            }
            entries.put(e.key, e);
        }
    }

    /** After a new login: leases tied to the old token must be replaced; everything else stays. */
    void tokenReplaced() {
        for (Entry e : entries.values()) {
            if (e.hasLease() && e.kind != Kind.PKI) {
                e.action = Action.REFETCH;
                e.next = clock.instant();
            }
        }
    }

    void failed(Entry e, Exception ex, Duration minBackoff, Duration maxBackoff) {
        e.failures++;
        e.lastError = ex.getMessage();
        e.backoff = RefreshPolicy.backoff(e.backoff, minBackoff, maxBackoff, random.nextDouble());
        e.next = clock.instant().plus(e.backoff);
    }

    // ---- KV v2 and PKI helpers

    /** consul-template's KV v2 shim: {@code secret/app} on a v2 mount reads {@code secret/data/app}. */
    private String kvPath(String path, String segment) throws IOException {
        String mount = null;
        boolean v2 = false;
        for (Map.Entry<String, Boolean> known : kvV2Mounts.entrySet()) {
            if (path.startsWith(known.getKey())) {
                mount = known.getKey();
                v2 = known.getValue();
            }
        }
        if (mount == null) {
            BrokerClient.Reply r = client.call("GET", "sys/internal/ui/mounts/" + path, null, Map.of());
            if (!r.ok() || r.body() == null) {
                return path;
            }
            Json d = r.body().path("data");
            mount = d.path("path").asText("");
            v2 = d.path("type").asText().equals("kv") && d.path("options").path("version").asText().equals("2");
            if (!mount.isEmpty()) {
                kvV2Mounts.put(mount, v2);
            }
        }
        if (!v2 || mount.isEmpty()) {
            return path;
        }
        String rest = path.substring(Math.min(mount.length(), path.length()));
        if (rest.startsWith("data/") || rest.startsWith("metadata/") || rest.equals("data") || rest.equals("metadata")) {
            return path;
        }
        return mount + segment + rest;
    }

    /** consul-template's PemEncoded: Cert, Key, CA, CAChain. */
    private static Map<String, Object> pem(Json d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Cert", d.path("certificate").asText());
        out.put("Key", d.path("private_key").asText());
        out.put("CA", d.path("issuing_ca").asText());
        out.put("CAChain", new ArrayList<Object>(d.path("ca_chain").texts()));
        return out;
    }

    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----[\\s\\S]*?-----END \\1-----");

    /** The certificate and key a previous render left at {@code file}, if both are there. */
    static Map<String, Object> certificateOnDisk(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String cert = null;
            String key = null;
            List<Object> cas = new ArrayList<>();
            Matcher m = PEM_BLOCK.matcher(text);
            while (m.find()) {
                String kind = m.group(1);
                if (kind.equals("CERTIFICATE")) {
                    if (cert == null) {
                        cert = m.group();
                    } else {
                        cas.add(m.group());
                    }
                } else if (kind.endsWith("PRIVATE KEY")) {
                    key = m.group();
                }
            }
            if (cert == null || key == null) {
                return null;
            }
            parse(cert);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("Cert", cert);
            out.put("Key", key);
            out.put("CA", cas.isEmpty() ? "" : cas.get(0));
            out.put("CAChain", cas);
            return out;
        } catch (Exception e) {
            return null; // unreadable or not a certificate: a new one is issued
        }
    }

    static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String trim(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.startsWith("v1/") ? p.substring(3) : p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
