package dev.atrium.forecast;

import io.vertx.core.json.JsonObject;
import java.util.BitSet;

/**
 * The lazy producer behind {@code POST /api/datasets/{hash}/process}: a cursor over the dataset's
 * forecastable indexes that keeps at most {@code batch} of them queued or computing at once, and
 * counts them done as their plots are published. Bookkeeping only: the scheduler decides when to
 * offer the next range and where to send it.
 */
final class ProcessFeed {

  /** Where a feed stands. */
  enum State {
    /** Offering and waiting for plots. */
    RUNNING,
    /** Every index has a plot. */
    DONE,
    /** The dataset is gone; nothing more is offered. */
    STOPPED;

    String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final String dataset;
  private final int first;
  private final int end;
  private final int batch;
  private final BitSet outstanding = new BitSet();
  private int cursor;
  private int done;
  private int discarded;
  private State state = State.RUNNING;
  private boolean offering;
  private boolean dirty = true;

  /**
   * @param dataset the dataset's hash
   * @param first the first index with a forecast
   * @param end one past the last index (the row count)
   * @param batch most indexes outstanding at once
   */
  ProcessFeed(String dataset, int first, int end, int batch) {
    this.dataset = dataset;
    this.first = first;
    this.end = Math.max(first, end);
    this.batch = batch;
    this.cursor = first;
  }

  String dataset() {
    return dataset;
  }

  State state() {
    return state;
  }

  /** One past the last index. */
  int end() {
    return end;
  }

  int total() {
    return end - first;
  }

  int done() {
    return done;
  }

  int outstanding() {
    return outstanding.cardinality();
  }

  /** Whether a range request is on its way (one at a time). */
  boolean offering() {
    return offering;
  }

  void offering(boolean value) {
    offering = value;
  }

  /** The next index not yet offered, or -1 when all were. */
  int cursor() {
    return cursor < end ? cursor : -1;
  }

  /** Room for more outstanding indexes. */
  int room() {
    return state == State.RUNNING ? batch - outstanding() : 0;
  }

  /** The index at the cursor already has a plot: counted done without offering it. */
  void skipCached() {
    done++;
    cursor++;
    dirty = true;
    finishIfComplete();
  }

  /** {@code count} indexes from the cursor were queued. */
  void offered(int count) {
    outstanding.set(cursor - first, cursor - first + count);
    cursor += count;
  }

  /** A plot was published for {@code index}; true when it was one of this feed's. */
  boolean ready(int index) {
    int bit = index - first;
    if (bit < 0 || !outstanding.get(bit)) {
      return false;
    }
    outstanding.clear(bit);
    done++;
    dirty = true;
    finishIfComplete();
    return true;
  }

  /** The dataset is gone: whatever was not done is discarded. */
  void stop() {
    if (state == State.RUNNING) {
      discarded = total() - done;
      outstanding.clear();
      state = State.STOPPED;
      dirty = true;
    }
  }

  private void finishIfComplete() {
    if (cursor >= end && outstanding.isEmpty() && state == State.RUNNING) {
      state = State.DONE;
    }
  }

  /** Whether progress changed since the last call; clears the mark (the caller writes it now). */
  boolean takeDirty() {
    boolean was = dirty;
    dirty = false;
    return was;
  }

  /** {@code {state, done, total, discarded}}, as {@code GET /api/datasets/{hash}} shows it. */
  JsonObject progress() {
    return new JsonObject().put("state", state.id()).put("done", done).put("total", total())
        .put("discarded", discarded);
  }
}
