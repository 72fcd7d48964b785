import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The ceiling for PKI issuance (see bench/pki.sh): key generation + certificate signing, in
 * process, on THREADS threads — what issuing a certificate must cost at least — with each JCA
 * provider at hand (the JDK's, BouncyCastle's, AWS-LC's, BoringSSL's); the fastest is the ceiling.
 * Run with the broker's shaded jar (and Conscrypt's, when fetched) on the class path.
 */
public class PkiBench {

    /**
     * java PkiBench.java ec|rsa THREADS SECONDS [JDBC-URL USER PASSWORD]: the ceiling's operations
     * per second (after a warm-up); with a database, each certificate is also INSERTed (its PEM under
     * a random serial's key, one connection per thread, auto-commit, one row or 16 per statement) — the
     * ceiling of issuance that stores.
     */
    public static void main(String[] args) throws Exception {
        String type = args[0];
        int threads = Integer.parseInt(args[1]);
        int secs = Integer.parseInt(args[2]);
        if (args.length > 3) {
            System.out.printf("%.1f%n", stored(type, threads, secs, args[3], args[4], args[5]));
            return;
        }
        System.out.printf("%.1f%n", fastest(type, threads, secs).rate());
    }

    record Fastest(Provider provider, double rate) {
    }

    /** Each provider at hand, measured: the fastest and its rate. */
    static Fastest fastest(String type, int threads, int secs) throws Exception {
        Fastest best = new Fastest(null, 0);
        for (Provider p : providers()) {
            rate(threads, Math.max(3, secs / 2), (t, i) -> ceiling(type, p));
            double r = rate(threads, secs, (t, i) -> ceiling(type, p));
            System.err.printf("ceiling %s with %s: %.1f/s%n", type, p == null ? "the JDK's providers" : p.getName(), r);
            if (r > best.rate()) {
                best = new Fastest(p, r);
            }
        }
        return best;
    }

    /**
     * The JDK's providers (null), BouncyCastle's, and those of native libraries when on the class
     * path and loadable here: AWS-LC's (Amazon Corretto Crypto Provider, in the broker's jar) and
     * BoringSSL's (Conscrypt, which bench/pki.sh fetches for the ceiling alone).
     */
    static List<Provider> providers() {
        List<Provider> all = new ArrayList<>(java.util.Arrays.asList(null, new BouncyCastleProvider()));
        for (String name : new String[] {"com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider",
                "org.conscrypt.OpenSSLProvider"}) {
            try {
                Provider p = (Provider) Class.forName(name).getConstructor().newInstance();
                KeyPairGenerator.getInstance("EC", p).generateKeyPair(); // loads its native library
                all.add(p);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException | java.security.GeneralSecurityException e) {
                System.err.println("not measured: " + name + " (" + e + ")");
            }
        }
        return all;
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static final SecureRandom RANDOM = new SecureRandom();
    static final Map<String, KeyPair> issuerKeys = new HashMap<>();

    /**
     * The fastest provider's ceiling plus each certificate committed to PostgreSQL: one INSERT per
     * certificate, and one per 16 certificates (a thread keeps its last 16 and writes them in one
     * statement, as a group commit does), each on THREADS and on twice as many threads (a thread
     * waiting on PostgreSQL leaves its core to another): the fastest of the four.
     */
    static double stored(String type, int threads, int secs, String url, String user, String password) throws Exception {
        Provider fastest = fastest(type, threads, 3).provider(); // a short look, to pick the provider
        double best = 0;
        for (int rows : new int[] {1, 16}) {
            for (int n : new int[] {threads, 2 * threads}) {
                double r = stored(type, fastest, n, rows, secs, url, user, password);
                System.err.printf("ceiling %s stored (%s + INSERT of %d rows) on %d threads: %.1f/s%n", type,
                        fastest == null ? "JDK" : fastest.getName(), rows, n, r);
                best = Math.max(best, r);
            }
        }
        return best;
    }

    static double stored(String type, Provider provider, int n, int rows, int secs, String url, String user, String password)
            throws Exception {
        java.sql.Connection[] cs = new java.sql.Connection[n];
        java.sql.PreparedStatement[] inserts = new java.sql.PreparedStatement[n];
        int[] pending = new int[n];
        String values = String.join(", ", java.util.Collections.nCopies(rows, "(?, ?)"));
        try {
            for (int t = 0; t < n; t++) {
                cs[t] = java.sql.DriverManager.getConnection(url, user, password);
                if (t == 0) {
                    try (java.sql.Statement s = cs[0].createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS bench_certs (path text PRIMARY KEY, value bytea NOT NULL)");
                    }
                }
                inserts[t] = cs[t].prepareStatement("INSERT INTO bench_certs (path, value) VALUES " + values);
            }
            Op op = (t, i) -> {
                String pem = ceiling(type, provider);
                java.sql.PreparedStatement ps = inserts[t];
                int row = pending[t]++;
                ps.setString(2 * row + 1, serialKey());
                ps.setBytes(2 * row + 2, pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                if (pending[t] == rows) {
                    ps.executeUpdate();
                    pending[t] = 0;
                }
            };
            rate(n, Math.max(5, secs / 2), op);
            return rate(n, secs, op);
        } finally {
            for (java.sql.Connection c : cs) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /**
     * Where a certificate is stored: under its serial number, random like an issued one's, as
     * "certs/xx-xx-…" (each insert lands at a random place in the primary key's index, as the
     * broker's do).
     */
    static String serialKey() {
        byte[] serial = new byte[20];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(serial);
        StringBuilder key = new StringBuilder("certs/");
        for (byte b : serial) {
            key.append(key.length() > 6 ? "-" : "").append(Character.forDigit((b >> 4) & 15, 16))
                    .append(Character.forDigit(b & 15, 16));
        }
        return key.toString();
    }

    /** What issuance must do at least: a new key pair, a certificate with SANs, signed by an EC P-256 issuer, PEM. */
    static String ceiling(String type, Provider provider) throws Exception {
        KeyPair issuer;
        synchronized (PkiBench.class) {
            issuer = issuerKeys.get(provider == null ? "jdk" : provider.getName());
            if (issuer == null) {
                KeyPairGenerator g = provider == null ? KeyPairGenerator.getInstance("EC")
                        : KeyPairGenerator.getInstance("EC", provider);
                g.initialize(new ECGenParameterSpec("secp256r1"));
                issuer = g.generateKeyPair();
                issuerKeys.put(provider == null ? "jdk" : provider.getName(), issuer);
            }
        }
        String alg = type.equals("ec") ? "EC" : "RSA";
        KeyPairGenerator g = provider == null ? KeyPairGenerator.getInstance(alg) : KeyPairGenerator.getInstance(alg, provider);
        if (type.equals("ec")) {
            g.initialize(new ECGenParameterSpec("secp256r1"));
        } else {
            g.initialize(2048);
        }
        KeyPair kp = g.generateKeyPair();
        byte[] serial = new byte[20];
        RANDOM.nextBytes(serial);
        serial[0] &= 0x7f;
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=Bench Root"),
                new BigInteger(1, serial), new Date(now - 30_000), new Date(now + 3_600_000),
                new X500Name("CN=svc.example.com"), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "svc.example.com")));
        JcaContentSignerBuilder sb = new JcaContentSignerBuilder("SHA256withECDSA");
        ContentSigner signer = (provider == null ? sb : sb.setProvider(provider)).build(issuer.getPrivate());
        java.io.StringWriter out = new java.io.StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(b.build(signer));
            w.writeObject(kp.getPrivate());
        }
        return out.toString();
    }

    interface Op {
        void run(int thread, long i) throws Exception;
    }

    static double rate(int threads, int secs, Op op) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            fs.add(pool.submit(() -> {
                long i = 0;
                while (!stop.get()) {
                    op.run(thread, i++);
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        Thread.sleep(secs * 1000L);
        stop.set(true);
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return done.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
