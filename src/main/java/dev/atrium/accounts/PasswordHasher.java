package dev.atrium.accounts;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Argon2id password hashes in PHC string form ({@code $argon2id$v=19$m=19456,t=4,p=1$salt$hash}),
 * with 19 MiB of memory, 4 passes, 1 lane (twice the passes of OWASP's baseline, so one hash takes
 * about 60 ms on the 2-core test machine: inside the 50–250 ms band). Hashing is slow on purpose
 * (tens of milliseconds), so callers run it on worker threads, never on an event loop.
 */
public final class PasswordHasher {

  /** Memory cost in KiB. */
  public static final int MEMORY_KIB = 19_456;
  /** Passes over memory. */
  public static final int ITERATIONS = 4;
  /** Lanes. */
  public static final int PARALLELISM = 1;
  /** Shortest password accepted. */
  public static final int MIN_LENGTH = 10;

  private static final Argon2Function ARGON2 =
      Argon2Function.getInstance(MEMORY_KIB, ITERATIONS, PARALLELISM, 32, Argon2.ID);
  /** Verified against when the account does not exist, so timing does not reveal which e-mails exist. */
  private static final String DECOY = hashStatic("decoy-password-never-matches");

  /** A new salted hash of {@code password}. */
  public String hash(String password) {
    return hashStatic(password);
  }

  /** Whether {@code password} matches {@code hash}; a null hash costs the same time and fails. */
  public boolean verify(String password, String hash) {
    if (hash == null) {
      Password.check(password, DECOY).with(ARGON2);
      return false;
    }
    return Password.check(password, hash).with(ARGON2);
  }

  private static String hashStatic(String password) {
    return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
  }
}
