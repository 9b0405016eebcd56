package dev.atrium.coordination.impl;

import dev.atrium.coordination.Coordination;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * {@link Coordination} in Redis. Holder checks run as Lua scripts so that the compare and the
 * set are one atomic step on the server (the pattern of the Redis {@code SET NX} lock docs).
 */
public final class RedisCoordination implements Coordination {

  private static final String RENEW = """
      if redis.call('get', KEYS[1]) == ARGV[1] then
        return redis.call('pexpire', KEYS[1], ARGV[2])
      end
      return 0""";
  private static final String RELEASE = """
      if redis.call('get', KEYS[1]) == ARGV[1] then
        return redis.call('del', KEYS[1])
      end
      return 0""";
  private static final String INCREMENT = """
      local count = redis.call('incr', KEYS[1])
      local ttl = redis.call('pttl', KEYS[1])
      if ttl < 0 then
        redis.call('pexpire', KEYS[1], ARGV[1])
        ttl = tonumber(ARGV[1])
      end
      return {count, ttl}""";

  private final Redis client;
  private final RedisAPI api;
  private final String endpoint;

  /**
   * @param vertx the Vert.x instance
   * @param url a {@code redis://} or {@code rediss://} URL
   */
  public RedisCoordination(Vertx vertx, String url) {
    this.client = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(1024)
        .setPoolRecycleTimeout(15_000));
    this.api = RedisAPI.api(client);
    URI uri = URI.create(url);
    this.endpoint = "redis " + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
  }

  @Override
  public Future<Boolean> acquire(String key, String holder, Duration ttl) {
    return api.set(List.of(key, holder, "NX", "PX", Long.toString(ttl.toMillis())))
        .map(response -> response != null);
  }

  @Override
  public Future<Boolean> renew(String key, String holder, Duration ttl) {
    return api.eval(List.of(RENEW, "1", key, holder, Long.toString(ttl.toMillis())))
        .map(response -> response.toLong() == 1L);
  }

  @Override
  public Future<Boolean> release(String key, String holder) {
    return api.eval(List.of(RELEASE, "1", key, holder)).map(response -> response.toLong() == 1L);
  }

  @Override
  public Future<String> holder(String key) {
    return api.get(key).map(response -> response == null ? null : response.toString());
  }

  @Override
  public Future<WindowCount> increment(String key, Duration window) {
    return api.eval(List.of(INCREMENT, "1", key, Long.toString(window.toMillis())))
        .map(RedisCoordination::toWindowCount);
  }

  private static WindowCount toWindowCount(Response response) {
    return new WindowCount(response.get(0).toLong(), Duration.ofMillis(response.get(1).toLong()));
  }

  @Override
  public Future<Duration> ping() {
    long start = System.nanoTime();
    return api.ping(List.of()).map(pong -> Duration.ofNanos(System.nanoTime() - start));
  }

  @Override
  public String describe() {
    return endpoint;
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
