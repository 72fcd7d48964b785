package io.custos.broker.sys;

import static io.custos.broker.sys.SysPaths.noContent;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.seal.KeyRotation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The keyring: {@code rotate} (sudo) and {@code key-status}. */
@Singleton
public class KeyPaths implements SystemPathFamily {
    private final AesGcmBarrier barrier;
    private final KeyRotation rotation;

    public KeyPaths(AesGcmBarrier barrier, KeyRotation rotation) {
        this.barrier = barrier;
        this.rotation = rotation;
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(
                PathSpec.path("rotate")
                        .on(UPDATE, noContent(d -> rotation.rotateNow()))
                        .help("Adds a keyring term and re-wraps data keys onto it in the background.", "")
                        .sudo()
                        .build(),
                PathSpec.path("key-status")
                        .on(READ, (r, d) -> keyStatus())
                        .help("The active key term, its install time, encryptions and re-wrap progress.", "")
                        .build());
    }

    private Response keyStatus() {
        Keyring.Term active = barrier.keyring().active();
        KeyRotation.Progress p = rotation.progress();
        Map<String, Object> rewrap = new LinkedHashMap<>();
        rewrap.put("in_progress", p.inProgress());
        rewrap.put("pending_entries", p.pending());
        rewrap.put("total_entries", p.total());
        rewrap.put("rewrapped_entries", p.rewrapped());
        rewrap.put("failed_entries", p.failed());
        rewrap.put("last_completed", p.lastCompleted() == null ? null : p.lastCompleted().toString());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("term", active.number());
        m.put("install_time", active.installTime().toString());
        m.put("encryptions", barrier.encryptionCounts().getOrDefault(active.number(), 0L));
        m.put("rewrap", rewrap);
        return Response.of(m);
    }
}
