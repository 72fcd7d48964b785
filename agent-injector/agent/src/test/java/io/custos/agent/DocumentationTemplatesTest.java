package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.custos.gotemplate.Template;
import io.custos.gotemplate.TemplateException;
import io.custos.gotemplate.TemplateFunction;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The templates of Vault's, Vault Agent's and vault-k8s's documentation, rendered against fixed
 * secrets, must give byte for byte what Vault Agent writes for the same data.
 */
class DocumentationTemplatesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:20:30Z"), ZoneOffset.UTC);

    /** consul-template's Secret for {@code data} (numbers as json.Number text). */
    private static Map<String, Object> secret(Map<String, Object> data, String leaseId, long ttl) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("LeaseID", leaseId);
        s.put("LeaseDuration", ttl);
        s.put("Renewable", ttl > 0);
        s.put("Data", data);
        s.put("Warnings", List.of());
        return s;
    }

    private static final Functions.SecretSource SOURCE = new Functions.SecretSource() {
        @Override
        public Map<String, Object> secret(String path, Map<String, Object> data) {
            return switch (path) {
                case "database/creds/db-app" -> DocumentationTemplatesTest.secret(Map.of("username", "v-kubernet-db-app-QDqS",
                        "password", "A1a-GbZb4XeWyLYO1Kd8"), "database/creds/db-app/7Lc", 3600);
                case "secret/data/web", "secret/web" -> DocumentationTemplatesTest.secret(Map.of("data",
                        new LinkedHashMap<>(Map.of("username", "web-user", "password", "p@ss<&>")),
                        "metadata", Map.of("version", new JsonNumber("3"))), "", 0);
                case "pki/issue/example-dot-com" -> DocumentationTemplatesTest.secret(Map.of("certificate", "CERT",
                        "private_key", "KEY", "issuing_ca", "CA", "serial_number", "3f:aa"), "", 0);
                default -> throw new IllegalArgumentException("no data at " + path);
            };
        }

        @Override
        public List<String> list(String path) {
            return List.of("alpha", "beta/");
        }

        @Override
        public Map<String, Object> pkiCert(String path, Map<String, Object> data) {
            return Map.of("Cert", "CERT\n", "Key", "KEY\n", "CA", "CA\n", "CAChain", List.of("CA\n"));
        }
    };

    private static String render(String text) {
        Map<String, TemplateFunction> funcs = new HashMap<>(Functions.helpers(CLOCK, Map.of("APP_ENV", "prod")));
        funcs.putAll(Functions.secretFunctions(SOURCE));
        return Template.parse("t", text, Template.Options.DEFAULTS.withFunctions(funcs)).execute(Map.of());
    }

    @Test
    void vaultK8sDatabaseConnectionString() {
        assertEquals("postgres://v-kubernet-db-app-QDqS:A1a-GbZb4XeWyLYO1Kd8@postgres:5432/appdb?sslmode=disable",
                render("{{- with secret \"database/creds/db-app\" -}}\n"
                        + "postgres://{{ .Data.username }}:{{ .Data.password }}@postgres:5432/appdb?sslmode=disable\n"
                        + "{{- end }}\n").strip());
    }

    @Test
    void kvExportedAsShellLines() {
        assertEquals("export DB_USER=\"web-user\"\n  export DB_PASS=\"p@ss<&>\"\n", render(
                "{{ with secret \"secret/data/web\" -}}\n  export DB_USER=\"{{ .Data.data.username }}\"\n"
                        + "  export DB_PASS=\"{{ .Data.data.password }}\"\n{{- end }}\n"));
    }

    @Test
    void rangeOverKvDataIsInKeyOrder() {
        assertEquals("password=p@ss<&>\nusername=web-user\n", render("{{ with secret \"secret/data/web\" }}"
                + "{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }}\n{{ end }}{{ end }}"));
    }

    @Test
    void pkiCertificateKeyAndCa() {
        assertEquals("\nCERT\nKEY\nCA\n", render("{{ with secret \"pki/issue/example-dot-com\" \"common_name=foo.example.com\" }}\n"
                + "{{ .Data.certificate }}\n{{ .Data.private_key }}\n{{ .Data.issuing_ca }}\n{{ end }}"));
        assertEquals("CERT\nKEY\n", render("{{ with pkiCert \"pki/issue/example-dot-com\" \"common_name=foo.example.com\" }}"
                + "{{ .Cert }}{{ .Key }}{{ end }}"));
    }

    @Test
    void jsonConfigFilesAsGoWritesThem() {
        assertEquals("{\"password\":\"p@ss\\u003c\\u0026\\u003e\",\"username\":\"web-user\"}",
                render("{{ with secret \"secret/data/web\" }}{{ .Data.data | toJSON }}{{ end }}"));
        assertEquals("{\n  \"password\": \"p@ss\\u003c\\u0026\\u003e\",\n  \"username\": \"web-user\"\n}",
                render("{{ with secret \"secret/data/web\" }}{{ .Data.data | toJSONPretty }}{{ end }}"));
        assertEquals("{\"password\":\"p@ss<&>\",\"username\":\"web-user\"}",
                render("{{ with secret \"secret/data/web\" }}{{ .Data.data | toUnescapedJSON }}{{ end }}"));
        assertEquals("{\"version\":3}", render("{{ with secret \"secret/data/web\" }}{{ .Data.metadata | toJSON }}{{ end }}"),
                "a json.Number stays a number");
        assertEquals("password: p@ss<&>\nusername: web-user", render("{{ with secret \"secret/data/web\" }}"
                + "{{ .Data.data | toYAML }}{{ end }}"));
    }

    @Test
    void helpersWithConsulTemplatesArgumentOrder() {
        assertEquals("a,b,c", render("{{ \"a b c\" | split \" \" | join \",\" }}"));
        assertEquals("    x\n    y", render("{{ \"x\\ny\" | indent 4 }}"));
        assertEquals("7 13 30 5", render("{{ 10 | subtract 3 }} {{ 10 | add 3 }} {{ 10 | multiply 3 }} {{ 10 | divide 2 }}"));
        assertEquals("012", render("{{ range loop 3 }}{{ . }}{{ end }}"));
        assertEquals("true false", render("{{ \"a,b\" | split \",\" | contains \"b\" }} {{ in (\"a,b\" | split \",\") \"z\" }}"));
        assertEquals("aGk= hi", render("{{ \"hi\" | base64Encode }} {{ \"aGk=\" | base64Decode }}"));
        assertEquals("prod fallback", render("{{ env \"APP_ENV\" }} {{ envOrDefault \"NOPE\" \"fallback\" }}"));
        assertEquals("2026-12-01T10:20:30Z 2026-12-01", render("{{ timestamp }} {{ timestamp \"2006-01-02\" }}"));
        assertEquals("HI-there", render("{{ \"hi\" | toUpper }}-{{ \"  there \" | trimSpace }}"));
        assertEquals("a-b true", render("{{ \"a_b\" | regexReplaceAll \"_\" \"-\" }} {{ \"abc\" | regexMatch \"^a\" }}"));
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", render("{{ \"hello\" | sha256Hex }}"));
        assertEquals("[alpha beta/]", render("{{ secrets \"secret/\" }}"));
        assertEquals("3", render("{{ with secret \"secret/data/web\" }}{{ .Data.metadata.version }}{{ end }}"));
    }

    @Test
    void aMissingSecretFailsTheRenderInsteadOfWritingHalfAFile() {
        assertThrows(TemplateException.class, () -> render("{{ with secret \"secret/data/none\" }}x{{ end }}"));
    }
}
