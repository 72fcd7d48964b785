package io.custos.engine.sdk;

/**
 * One mounted instance of an auth method (AppRole, Kubernetes, JWT, cert): a {@link Backend}
 * whose login path is declared {@link PathSpec.Builder#unauthenticated() unauthenticated} and
 * answers with an {@code auth} block ({@link Response#ofAuth}), from which the broker issues the
 * token. Methods never see tokens, leases or policies beyond what that block asks for.
 */
public interface AuthMethod extends Backend {
}
