package io.custos.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaFieldAccess.AccessType;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * No dead code the compiler cannot see: a private method nobody calls, a private field nobody reads
 * (fields a framework injects by reflection carry an annotation, and compile-time constants are
 * inlined by javac: both are exempt), in the production classes of every module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnusedCodeArchitectureTest {
    private JavaClasses production;

    @BeforeAll
    void importClasses() {
        production = ProductionClasses.get();
    }

    @Test
    void everyPrivateMethodIsCalled() {
        methods().that().arePrivate().and().doNotHaveModifier(JavaModifier.SYNTHETIC)
                .should(new ArchCondition<JavaMethod>("be called") {
                    @Override
                    public void check(JavaMethod m, ConditionEvents events) {
                        boolean called = !m.getAccessesToSelf().isEmpty() || !m.getReferencesToSelf().isEmpty()
                                || m.getName().equals("readObject") || m.getName().equals("writeObject")
                                || m.getName().equals("readResolve");
                        if (!called) {
                            events.add(SimpleConditionEvent.violated(m, m.getFullName() + " is never called"));
                        }
                    }
                })
                .check(production);
    }

    @Test
    void everyPrivateFieldIsRead() {
        fields().that().arePrivate().and().doNotHaveModifier(JavaModifier.SYNTHETIC)
                .should(new ArchCondition<JavaField>("be read") {
                    @Override
                    public void check(JavaField f, ConditionEvents events) {
                        boolean read = f.getAccessesToSelf().stream()
                                .anyMatch(a -> a.getAccessType() == AccessType.GET)
                                || !f.getAnnotations().isEmpty() || f.getName().equals("serialVersionUID")
                                || constant(f)
                                || f.getOwner().isRecord();
                        if (!read) {
                            events.add(SimpleConditionEvent.violated(f, f.getFullName() + " is never read"));
                        }
                    }
                })
                .check(production);
    }

    /** A compile-time constant: javac inlines its reads, so the bytecode shows none. */
    private static boolean constant(JavaField f) {
        return f.getModifiers().contains(JavaModifier.STATIC) && f.getModifiers().contains(JavaModifier.FINAL)
                && (f.getRawType().isPrimitive() || f.getRawType().isEquivalentTo(String.class));
    }
}
