package dev.atrium.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.coordination.Coordination;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("FrameLocks against an in-memory holder table")
class FrameLocksTest {

  private final List<String> read = new ArrayList<>();

  private FrameLocks locks(Map<String, String> holders) {
    Coordination store = (Coordination) Proxy.newProxyInstance(Coordination.class.getClassLoader(),
        new Class<?>[] {Coordination.class}, (proxy, method, args) -> {
          if (!method.getName().equals("holder")) {
            throw new UnsupportedOperationException(method.getName());
          }
          read.add((String) args[0]);
          return Future.succeededFuture(holders.get((String) args[0]));
        });
    return new FrameLocks(store);
  }

  @Test
  @DisplayName("checkFramesWritable reads only the frames' keys, passes the holder and free frames, refuses another user's with 423")
  void framesOnly() {
    FrameLocks locks = locks(Map.of(FrameLocks.roomKey("r"), "someone-else", FrameLocks.frameKey("r", "b"), "alice/tab1"));

    Future<Void> mine = locks.checkFramesWritable("r", List.of("a", "b"), "alice");
    assertThat(mine.succeeded()).isTrue();
    assertThat(read).containsExactlyInAnyOrder(FrameLocks.frameKey("r", "a"), FrameLocks.frameKey("r", "b"));

    Future<Void> theirs = locks.checkFramesWritable("r", List.of("a", "b"), "bob");
    assertThat(theirs.failed()).isTrue();
    assertThat(theirs.cause()).isInstanceOf(ApiException.class).hasMessageContaining("frame b is locked");

    assertThat(locks.checkFramesWritable("r", List.of(), "bob").succeeded()).isTrue();
  }
}
