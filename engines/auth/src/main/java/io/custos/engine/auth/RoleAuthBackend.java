package io.custos.engine.auth;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.StorageView;
import java.time.Clock;
import java.util.Optional;

/**
 * What every role-based auth method shares: its storage and clock, a {@code login}
 * (each method declares it unauthenticated), and the {@code role/} path family (LIST, and READ/UPDATE/DELETE of one role with
 * the method's own fields plus the {@link TokenSettings} fields). Roles live at
 * {@code <rolePrefix()><name>}, {@code role/} unless a method names them otherwise.
 */
public abstract class RoleAuthBackend extends FrameworkBackend implements AuthMethod {
    protected final StorageView storage;
    protected final Clock clock;

    protected RoleAuthBackend(EngineContext context) {
        this.storage = context.storage();
        this.clock = context.clock();
    }

    /** Where roles live and the path family they are served under (Vault's cert method says {@code certs/}). */
    protected String rolePrefix() {
        return "role/";
    }

    /** A stored role, decoded. */
    protected final <T> Optional<T> loadRole(String name, Class<T> type) {
        return storage.get(rolePrefix() + name).map(b -> Json.read(b, type));
    }

    /** {@code LIST role/}. */
    protected final PathSpec roleList() {
        return PathSpec.path(rolePrefix() + "?")
                .on(LIST, (r, d) -> Response.listOf(storage.list(rolePrefix())))
                .help("Lists roles.", "")
                .build();
    }

    /** {@code role/<capture>}: read, write (the method's fields and token_*), delete. */
    protected final PathSpec role(String capture, String help, PathSpec.Handler read, PathSpec.Handler write,
            Field... fields) {
        return PathSpec.path(rolePrefix() + "(?P<" + capture + ">[^/]+)")
                .fields(fields)
                .fields(TokenSettings.FIELDS)
                .on(READ, read)
                .on(UPDATE, write)
                .on(DELETE, (r, d) -> deleteRole(d.getString(capture)))
                .help(help, "")
                .build();
    }

    /** Deletes a role (methods with per-role state override to clean it up too). */
    protected Response deleteRole(String name) {
        storage.delete(rolePrefix() + name);
        return null;
    }
}
