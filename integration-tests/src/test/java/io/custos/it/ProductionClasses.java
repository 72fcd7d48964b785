package io.custos.it;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The compiled production classes of every module, imported once per test JVM for the
 * {@code *ArchitectureTest}s (the other modules arrive as jars, or target/classes in a reactor
 * build; their tests are not among them).
 */
final class ProductionClasses {
    private static JavaClasses classes;

    private ProductionClasses() {
    }

    static synchronized JavaClasses get() {
        if (classes == null) {
            classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("io.custos");
        }
        return classes;
    }
}
