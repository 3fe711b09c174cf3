package io.sluice.runner;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keeps each module's {@code internal} packages private to the module, and dependencies pointing down. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.sluice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"broker", "engine", "dsl", "connectors", "runner", "samples"})
    void shouldKeepInternalPackagesInsideTheirModule(String module) {
        noClasses().that().resideOutsideOfPackage("io.sluice." + module + "..")
                .should().dependOnClassesThat().resideInAPackage("io.sluice." + module + ".internal..")
                .allowEmptyShould(true)
                .because("only the public API of a module is for other modules")
                .check(classes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"engine", "dsl", "connectors", "runner", "samples"})
    void shouldKeepTheBrokerFreeOfHigherModules(String higher) {
        noClasses().that().resideInAPackage("io.sluice.broker..")
                .should().dependOnClassesThat().resideInAPackage("io.sluice." + higher + "..")
                .allowEmptyShould(true)
                .check(classes);
    }
}
