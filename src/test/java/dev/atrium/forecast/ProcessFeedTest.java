package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The process feed's bookkeeping: room, cursor, plots counted once, finishing and stopping. */
@DisplayName("Process feed")
class ProcessFeedTest {

  @Test
  @DisplayName("keeps at most batch indexes outstanding and finishes when every index has a plot")
  void batchAndFinish() {
    ProcessFeed feed = new ProcessFeed("d", 7, 12, 3);
    assertThat(feed.total()).isEqualTo(5);
    assertThat(feed.room()).isEqualTo(3);

    feed.offered(3);
    assertThat(feed.room()).isZero();
    assertThat(feed.cursor()).isEqualTo(10);
    assertThat(feed.ready(8)).isTrue();
    assertThat(feed.ready(8)).as("counted once").isFalse();
    assertThat(feed.ready(11)).as("not offered yet").isFalse();
    assertThat(feed.room()).isEqualTo(1);
    feed.skipCached();
    feed.offered(1);
    assertThat(feed.cursor()).isEqualTo(-1);
    feed.ready(7);
    feed.ready(9);
    assertThat(feed.state()).isEqualTo(ProcessFeed.State.RUNNING);
    feed.ready(11);

    assertThat(feed.state()).isEqualTo(ProcessFeed.State.DONE);
    assertThat(feed.progress()).isEqualTo(new JsonObject().put("state", "done").put("done", 5).put("total", 5)
        .put("discarded", 0));
  }

  @Test
  @DisplayName("stopping discards what is not done and offers nothing more")
  void stop() {
    ProcessFeed feed = new ProcessFeed("d", 0, 10, 4);
    feed.offered(4);
    feed.ready(0);

    feed.stop();

    assertThat(feed.state()).isEqualTo(ProcessFeed.State.STOPPED);
    assertThat(feed.room()).isZero();
    assertThat(feed.ready(1)).isFalse();
    assertThat(feed.progress().getInteger("discarded")).isEqualTo(9);
  }

  @Test
  @DisplayName("reading progress does not clear the mark the progress writer uses")
  void dirtyMark() {
    ProcessFeed feed = new ProcessFeed("d", 0, 10, 4);
    assertThat(feed.takeDirty()).isTrue();
    assertThat(feed.takeDirty()).isFalse();
    feed.offered(2);
    feed.ready(1);
    feed.progress();

    assertThat(feed.takeDirty()).isTrue();
  }
}
