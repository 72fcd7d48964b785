package io.custos.broker.bench;

import io.custos.broker.policy.PolicyParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Parse time of an HCL policy by its number of path blocks (1k to 20k; 20k blocks is about the
 * 1 MiB body limit). Linear means the time per block stays flat as the count grows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PolicyParseBenchmark {
    @Param({"1000", "2000", "4000", "8000", "20000"})
    public int blocks;
    private String policy;

    @Setup
    public void build() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < blocks; i++) {
            sb.append("path \"secret/data/team-").append(i).append("/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n");
        }
        policy = sb.toString();
    }

    @Benchmark
    public Object parse() {
        return PolicyParser.parse("bench", policy);
    }
}
