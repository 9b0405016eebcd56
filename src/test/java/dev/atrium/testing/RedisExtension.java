package dev.atrium.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that provides the {@linkplain TestRedis#shared() shared Redis server}.
 *
 * <p>Before a test class runs it makes sure the shared server is running (starting it, or
 * restarting it if an earlier test stopped it), and it resolves parameters of type
 * {@link TestRedis} in constructors, lifecycle methods and test methods:
 *
 * <pre>{@code
 * @ExtendWith(RedisExtension.class)
 * class LockTest {
 *   @Test
 *   void locks(TestRedis redis) {
 *     String url = redis.url();
 *   }
 * }
 * }</pre>
 */
public final class RedisExtension implements BeforeAllCallback, ParameterResolver {

  /** Creates the extension; JUnit calls this through {@code @ExtendWith}. */
  public RedisExtension() {
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    TestRedis redis = TestRedis.shared();
    if (!redis.isRunning()) {
      redis.start();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext,
      ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == TestRedis.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext,
      ExtensionContext extensionContext) {
    TestRedis redis = TestRedis.shared();
    if (!redis.isRunning()) {
      redis.start();
    }
    return redis;
  }
}
