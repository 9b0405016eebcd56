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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
  private static final String HELD = """
      local v = redis.call('get', KEYS[1])
      if not v then
        return false
      end
      return {v, redis.call('pttl', KEYS[1])}""";
  /** Value and remaining life of each string key given; other types and vanished keys are skipped. */
  private static final String HELD_MANY = """
      local out = {}
      for _, k in ipairs(KEYS) do
        if redis.call('type', k).ok == 'string' then
          local v = redis.call('get', k)
          if v then
            table.insert(out, k)
            table.insert(out, v)
            table.insert(out, redis.call('pttl', k))
          end
        end
      end
      return out""";
  private static final String HASH_PUT = """
      redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
      redis.call('pexpire', KEYS[1], ARGV[3])
      return 1""";
  /** Keys a SCAN step looks at; small enough that no step holds the server for long. */
  private static final String SCAN_BATCH = "500";

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
  public Future<Long> count(String key) {
    return api.get(key).map(response -> response == null ? 0L : response.toLong());
  }

  @Override
  public Future<Held> held(String key) {
    return api.eval(List.of(HELD, "1", key)).map(response -> response == null || response.size() < 2 ? null
        : new Held(response.get(0).toString(), ttl(response.get(1).toLong())));
  }

  @Override
  public Future<Map<String, Held>> scan(String prefix) {
    return scanFrom("0", globEscape(prefix) + "*", new TreeMap<>());
  }

  private Future<Map<String, Held>> scanFrom(String cursor, String pattern, Map<String, Held> found) {
    return api.scan(List.of(cursor, "MATCH", pattern, "COUNT", SCAN_BATCH)).compose(step -> {
      String next = step.get(0).toString();
      List<String> keys = new ArrayList<>();
      step.get(1).forEach(key -> keys.add(key.toString()));
      Future<Void> batch = keys.isEmpty() ? Future.succeededFuture() : heldMany(keys, found);
      return batch.compose(v -> "0".equals(next) ? Future.succeededFuture(found) : scanFrom(next, pattern, found));
    });
  }

  private Future<Void> heldMany(List<String> keys, Map<String, Held> found) {
    List<String> args = new ArrayList<>(keys.size() + 2);
    args.add(HELD_MANY);
    args.add(Integer.toString(keys.size()));
    args.addAll(keys);
    return api.eval(args).map(response -> {
      for (int i = 0; i + 2 < response.size(); i += 3) {
        found.put(response.get(i).toString(),
            new Held(response.get(i + 1).toString(), ttl(response.get(i + 2).toLong())));
      }
      return null;
    });
  }

  private static Duration ttl(long pttl) {
    return pttl < 0 ? null : Duration.ofMillis(pttl);
  }

  /** Escapes the glob characters of a Redis {@code MATCH} pattern. */
  static String globEscape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (char c : text.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  @Override
  public Future<Void> hashPut(String key, String field, String value, Duration ttl) {
    return api.eval(List.of(HASH_PUT, "1", key, field, value, Long.toString(Math.max(1, ttl.toMillis()))))
        .mapEmpty();
  }

  @Override
  public Future<Boolean> hashRemove(String key, String field) {
    return api.hdel(List.of(key, field)).map(response -> response.toLong() == 1L);
  }

  @Override
  public Future<Map<String, String>> hashAll(String key) {
    return api.hgetall(key).map(response -> {
      Map<String, String> out = new HashMap<>();
      if (response == null) {
        return out;
      }
      if (response.isMap()) {
        for (String field : response.getKeys()) {
          out.put(field, response.get(field).toString());
        }
      } else {
        for (int i = 0; i + 1 < response.size(); i += 2) {
          out.put(response.get(i).toString(), response.get(i + 1).toString());
        }
      }
      return out;
    });
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
