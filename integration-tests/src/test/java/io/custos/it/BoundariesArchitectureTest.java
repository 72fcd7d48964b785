package io.custos.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;


import com.tngtech.archunit.core.domain.JavaClasses;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The module boundaries, checked on the compiled production classes of every module (this module's
 * test classpath holds them all): they held by discipline only, now the build fails when one is
 * crossed. Run alone with {@code ./mvnw test -pl integration-tests -Dtest='*ArchitectureTest'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BoundariesArchitectureTest {
    private JavaClasses production;

    @BeforeAll
    void importClasses() {
        production = ProductionClasses.get();
    }

    @Test
    void enginesNeverReachIntoTheBrokerTheAgentOrTheInjector() {
        noClasses().that().resideInAPackage("io.custos.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("io.custos.broker..", "io.custos.agent..",
                        "io.custos.injector..")
                .because("engines are plain libraries the broker loads through ServiceLoader")
                .check(production);
    }

    @Test
    void eachEngineStandsOnTheSdkAlone() {
        for (String engine : new String[] {"kv", "database", "pki", "auth"}) {
            noClasses().that().resideInAPackage("io.custos.engine." + engine + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(otherEngines(engine))
                    .because("engines know the SDK, not each other")
                    .check(production);
        }
    }

    private static String[] otherEngines(String engine) {
        return Stream.of("kv", "database", "pki", "auth").filter(e -> !e.equals(engine))
                .map(e -> "io.custos.engine." + e + "..").toArray(String[]::new);
    }

    @Test
    void theAgentTalksToTheBrokerOverHttpOnly() {
        noClasses().that().resideInAPackage("io.custos.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("io.custos.broker..", "io.custos.engine..",
                        "io.custos.injector..")
                .because("the agent is its own small jar and reaches the broker over HTTP(S)")
                .check(production);
    }

    @Test
    void theInjectorNeedsNeitherBrokerNorEngines() {
        noClasses().that().resideInAPackage("io.custos.injector..")
                .should().dependOnClassesThat().resideInAnyPackage("io.custos.broker..", "io.custos.engine..")
                .check(production);
    }

    @Test
    void goTemplatesDependOnTheJdkAlone() {
        classes().that().resideInAPackage("io.custos.gotemplate..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.custos.gotemplate..", "java..")
                .check(production);
    }

    @Test
    void theBrokersRandomnessDependsOnNothingAbove() {
        classes().that().resideInAPackage("io.custos.broker.crypto..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.custos.broker.crypto..", "java..")
                .because("tokens, leases and tools draw random bytes without reaching into the barrier")
                .check(production);
    }

    @Test
    void mountTablesDoNotReachIntoPolicies() {
        noClasses().that().resideInAPackage("io.custos.broker.mount..")
                .should().dependOnClassesThat().resideInAPackage("io.custos.broker.policy..")
                .because("engines get the broker's services through the SDK's SystemView, not the policy store")
                .check(production);
    }

    @Test
    void theBrokersPackagesFormNoCycle() {
        slices().matching("io.custos.broker.(*)..").should().beFreeOfCycles()
                .because("each broker package builds on the ones below it: storage, barrier, seal, stores, routing")
                .check(production);
    }

    @Test
    void theBarrierAndTheSealKnowNoStoreAboveThem() {
        noClasses().that().resideInAnyPackage("io.custos.broker.barrier..", "io.custos.broker.seal..")
                .should().dependOnClassesThat().resideInAnyPackage("io.custos.broker.lease..",
                        "io.custos.broker.token..", "io.custos.broker.audit..", "io.custos.broker.mount..",
                        "io.custos.broker.policy..", "io.custos.broker.http..", "io.custos.broker.sys..")
                .because("stores subscribe to the seal (SealListener) and to key rotation (Rewrappable)")
                .check(production);
    }

    @Test
    void onlyTheTransportKnowsHttp() {
        noClasses().that().resideInAPackage("io.custos.broker..")
                .and().resideOutsideOfPackage("io.custos.broker.http..")
                .should().dependOnClassesThat().resideInAPackage("io.custos.broker.http..")
                .because("backends are reached through the router, and see requests only through the SDK")
                .check(production);
    }

    @Test
    void theBrokerNeverCompilesAgainstAnEngineOrAuthMethod() {
        noClasses().that().resideInAPackage("io.custos.broker..")
                .should().dependOnClassesThat().resideInAnyPackage("io.custos.engine.kv..",
                        "io.custos.engine.database..", "io.custos.engine.pki..", "io.custos.engine.auth..")
                .because("the broker loads engines (EngineFactory) and auth methods (AuthMethodFactory) through "
                        + "ServiceLoader; their jars are runtime dependencies only")
                .check(production);
    }
}
