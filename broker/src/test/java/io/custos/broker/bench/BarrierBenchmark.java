package io.custos.broker.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.crypto.Drbg;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Barrier encrypt+decrypt of 1 KiB against the physical ceiling measured in the same run: one raw
 * AES-256-GCM encrypt+decrypt of the same 1 KiB with a reused key and cipher, a random nonce, and
 * the path as AAD, with the JDK's provider and with AWS-LC's (the faster of the two is the
 * ceiling). The barrier additionally draws a data key and wraps/unwraps it (two more GCM
 * operations on 32 bytes) — that is the price of envelope encryption.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BarrierBenchmark {
    private static final String PATH = "logical/7f1c9a2e-0000-4000-8000-000000000000/versions/ab12/1";
    private final byte[] payload = new byte[1024];
    private final byte[] aad = PATH.getBytes(StandardCharsets.UTF_8);
    private AesGcmBarrier barrier;
    private Cipher cipher;
    private Cipher awsLc;
    private SecretKeySpec key;
    private SecureRandom random;

    @Setup
    public void setUp() throws GeneralSecurityException {
        new SecureRandom().nextBytes(payload);
        barrier = new AesGcmBarrier();
        barrier.unseal(Keyring.first(Instant.now()), Map.of());
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        awsLc = Cipher.getInstance("AES/GCM/NoPadding", AmazonCorrettoCryptoProvider.INSTANCE);
        key = new SecretKeySpec(Drbg.randomBytes(32), "AES");
        random = SecureRandom.getInstance("DRBG");
    }

    @Benchmark
    public byte[] rawAesGcmEncryptDecrypt() throws GeneralSecurityException {
        return raw(cipher);
    }

    @Benchmark
    public byte[] rawAesGcmEncryptDecryptAwsLc() throws GeneralSecurityException {
        return raw(awsLc);
    }

    private byte[] raw(Cipher c) throws GeneralSecurityException {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        c.updateAAD(aad);
        byte[] ct = c.doFinal(payload);
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        c.updateAAD(aad);
        return c.doFinal(ct);
    }

    @Benchmark
    public byte[] barrierEncryptDecrypt() {
        return barrier.decrypt(PATH, barrier.encrypt(PATH, payload));
    }
}
