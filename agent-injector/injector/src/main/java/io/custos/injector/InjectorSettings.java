package io.custos.injector;

import java.util.Set;

/**
 * The injector's own settings (flags, a config file, the environment) and the defaults it gives
 * injected agents.
 *
 * @param nativeSidecar whether the cluster runs native sidecars (init containers with
 *     {@code restartPolicy: Always}, Kubernetes 1.29 and later)
 * @param tokenAudience the audience of the projected service-account token the agent logs in with
 */
public record InjectorSettings(String listenAddress, String tlsCertFile, String tlsKeyFile, String custosAddress,
        String agentImage, String namespace, boolean nativeSidecar, String tokenAudience, long runAsUser,
        long runAsGroup, Annotations.Resources resources, String caCert, boolean revokeOnShutdown) {
    /** Namespaces never injected (pods there are allowed unchanged), besides the injector's own. */
    static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease");

    static final Annotations.Resources DEFAULT_RESOURCES = new Annotations.Resources("500m", "128Mi", "250m", "64Mi");

    /** Settings for tests and the simplest deployment. */
    static InjectorSettings defaults(String custosAddress, String agentImage) {
        return new InjectorSettings("0.0.0.0:8443", null, null, custosAddress, agentImage, "custos", true, "custos",
                100, 1000, DEFAULT_RESOURCES, null, false);
    }

    InjectorSettings withNativeSidecar(boolean value) {
        return new InjectorSettings(listenAddress, tlsCertFile, tlsKeyFile, custosAddress, agentImage, namespace, value,
                tokenAudience, runAsUser, runAsGroup, resources, caCert, revokeOnShutdown);
    }

    boolean skipsNamespace(String ns) {
        return ns == null || SYSTEM_NAMESPACES.contains(ns) || ns.equals(namespace);
    }
}
