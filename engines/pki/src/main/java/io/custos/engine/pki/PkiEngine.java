package io.custos.engine.pki;

import static io.custos.engine.pki.PkiFields.bool;
import static io.custos.engine.pki.PkiFields.withField;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.DecodedCache;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.LeaseData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Vault's PKI secrets engine: root and intermediate CAs (several issuers per mount, a default),
 * roles with Vault's name rules, issuance with server-generated keys or from a CSR, revocation
 * with a CRL rebuilt on every revoke. Issuer keys are used only through the {@link KeyManager}.
 */
final class PkiEngine extends FrameworkEngine {
    /** Decoded roles, issuers and configuration entries kept per mount at most. */
    private static final int DECODED_ENTRIES = 10_000;
    private final EngineContext context;
    private final Crls crls;
    private final Ocsp ocsp;
    private final Tidy tidy;
    private final Issuers issuers;
    private final CaPaths ca;
    private final IssuePaths issue;
    private final RevocationPaths revocation;

    private final DecodedCache decoded;

    PkiEngine(EngineContext raw, KeyManager keys) {
        // roles, issuers and the mount's configuration are decoded once and kept (issuance reads all
        // three); every write through this context drops what it changes, other brokers' through invalidate
        this.decoded = new DecodedCache(raw.storage(), raw.system(), DECODED_ENTRIES);
        EngineContext context = new EngineContext(raw.mountPath(), decoded.view(), raw.options(), raw.clock(),
                raw.system());
        this.context = context;
        this.issuers = new Issuers(context, keys, decoded);
        this.crls = new Crls(context, keys);
        this.ocsp = new Ocsp(context.storage(), keys, context.clock());
        this.tidy = new Tidy(context, issuers::issuers, crls);
        this.ca = new CaPaths(context, keys, issuers);
        this.issue = new IssuePaths(context, keys, issuers);
        this.revocation = new RevocationPaths(context, issuers, crls, ocsp);
    }

    /** An entry changed on some broker (or everything may have: ""): what was decoded from it is dropped. */
    @Override
    public void invalidate(String key) {
        decoded.invalidate(key);
    }

    /** Scheduled work: auto-tidy and CRL auto-rebuild. */
    @Override
    public void periodic(Instant now) {
        tidy.periodic(now);
        crls.periodic(issuers.issuers());
    }

    /** A certificate's lease ended or was revoked: the certificate is revoked (idempotent). */
    @Override
    public void revokeLease(LeaseData lease) {
        String pem = lease.string("certificate");
        if (pem == null || issuers.listIssuerIds().isEmpty()) {
            return;
        }
        X509Certificate cert = Pem.certificates(pem).get(0);
        if (cert.getNotAfter().toInstant().isBefore(context.clock().instant())) {
            return; // expired: nothing left to revoke
        }
        revocation.revoke(null, pem, null);
    }

    @Override
    protected List<PathSpec> declarePaths() {
        List<PathSpec> out = new ArrayList<>(ca.paths());
        out.addAll(revocation.certificatePaths());
        out.addAll(issue.paths());
        out.addAll(revocation.revocationPaths());
        out.addAll(List.of(
                PathSpec.path("tidy")
                        .fields(Tidy.FIELDS)
                        .on(UPDATE, (r, d) -> {
                            Tidy.Options options = Tidy.Options.from(d, Tidy.Options.DEFAULT);
                            if (!options.certStore() && !options.revoked()) {
                                throw EngineException.badRequest("No tidy operations were requested: set "
                                        + "tidy_cert_store or tidy_revoked_certs");
                            }
                            tidy.run(options);
                            return Response.withStatus(202, null).warn("Tidy operation successfully started. Any "
                                    + "information from the operation will be printed to Vault's server logs.");
                        })
                        .help("Removes expired certificates from the store and the revocation list.", "")
                        .build(),
                PathSpec.path("tidy-status")
                        .on(READ, (r, d) -> Response.of(tidy.status()))
                        .help("The last tidy's outcome.", "")
                        .build(),
                PathSpec.path("config/auto-tidy")
                        .fields(withField(Tidy.FIELDS, bool("enabled", "Run tidy on a schedule."),
                                Field.of("interval_duration", FieldType.DURATION, "How often (default 12h).")))
                        .on(READ, (r, d) -> Response.of(tidy.autoConfig().describe()))
                        .on(UPDATE, (r, d) -> Response.of(tidy.configureAuto(d).describe()))
                        .help("Scheduled tidy.", "")
                        .build()));
        out.addAll(revocation.crlConfigPaths());
        return out;
    }
}
