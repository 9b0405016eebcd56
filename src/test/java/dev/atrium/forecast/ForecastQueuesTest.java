package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.config.ForecastSettings.Scheduling;
import dev.atrium.forecast.ForecastQueues.Admission;
import dev.atrium.forecast.ForecastQueues.Priority;
import dev.atrium.forecast.ForecastQueues.Snapshot;
import dev.atrium.forecast.ForecastQueues.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The queues' ordering, sharing, bounds, deadlines and discards, on a hand-driven clock. */
@DisplayName("Forecast queues")
class ForecastQueuesTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private long now = 1_000_000_000L;
  private final Set<String> gone = new HashSet<>();

  private ForecastQueues<String> queues(Scheduling scheduling, int userCapacity, int backgroundCapacity) {
    return new ForecastQueues<>(scheduling, userCapacity, backgroundCapacity, DEADLINE, () -> now, gone::contains);
  }

  private ForecastQueues<String> queues() {
    return queues(Scheduling.PRIORITY, 100, 1000);
  }

  /** Pulls until nothing is left, completing each task with its key. */
  private static List<String> drain(ForecastQueues<String> queues) {
    List<String> order = new ArrayList<>();
    Task<String> task;
    while ((task = queues.pull(true)) != null) {
      order.add(task.key() + "/" + task.priority().id());
      queues.complete(task, task.key().toString());
    }
    return order;
  }

  @Test
  @DisplayName("user draws run newest first")
  void userNewestFirst() {
    ForecastQueues<String> queues = queues();
    for (int index : new int[] {10, 11, 12}) {
      assertThat(queues.submitUser("a", index, new Recorder())).isEqualTo(Admission.QUEUED);
    }

    assertThat(drain(queues)).containsExactly("a#12/user", "a#11/user", "a#10/user");
  }

  @Test
  @DisplayName("background ranges run oldest first, one index at a time")
  void backgroundOldestFirst() {
    ForecastQueues<String> queues = queues();
    assertThat(queues.offerBackground("a", 0, 3)).isEqualTo(3);
    assertThat(queues.offerBackground("b", 5, 7)).isEqualTo(2);
    assertThat(queues.depth(Priority.BACKGROUND)).isEqualTo(5);

    assertThat(drain(queues)).containsExactly("a#0/background", "a#1/background", "a#2/background",
        "b#5/background", "b#6/background");
    assertThat(queues.snapshot(Priority.BACKGROUND).done()).isEqualTo(5);
  }

  @Test
  @DisplayName("no background task starts while a user task waits, even one queued later")
  void userBeforeBackground() {
    ForecastQueues<String> queues = queues();
    queues.offerBackground("a", 0, 2);
    Task<String> first = queues.pull(true);
    assertThat(first.priority()).isEqualTo(Priority.BACKGROUND);
    queues.submitUser("b", 7, new Recorder());

    Task<String> second = queues.pull(true);
    assertThat(second.key()).isEqualTo(new TaskKey("b", 7));
    assertThat(queues.pull(false)).as("background held back when not allowed").isNull();
    assertThat(queues.pull(true).key()).isEqualTo(new TaskKey("a", 1));
  }

  @Test
  @DisplayName("identical draws share one task; every waiter gets the one result")
  void identicalDrawsShare() {
    ForecastQueues<String> queues = queues();
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    assertThat(queues.submitUser("a", 5, first)).isEqualTo(Admission.QUEUED);
    assertThat(queues.submitUser("a", 5, second)).isEqualTo(Admission.JOINED);

    Task<String> task = queues.pull(true);
    assertThat(task.waiters()).isEqualTo(2);
    assertThat(queues.pull(true)).isNull();
    Recorder late = new Recorder();
    assertThat(queues.submitUser("a", 5, late)).as("joins the task in flight").isEqualTo(Admission.JOINED);
    queues.complete(task, "plot");

    assertThat(first.results).containsExactly("plot");
    assertThat(second.results).containsExactly("plot");
    assertThat(late.results).containsExactly("plot");
    Snapshot user = queues.snapshot(Priority.USER);
    assertThat(user.done()).isEqualTo(1);
    assertThat(user.shared()).isEqualTo(2);
  }

  @Test
  @DisplayName("a draw for a queued task moves it to the front")
  void joinMovesToFront() {
    ForecastQueues<String> queues = queues();
    queues.submitUser("a", 1, new Recorder());
    queues.submitUser("a", 2, new Recorder());
    queues.submitUser("a", 1, new Recorder());

    assertThat(drain(queues)).containsExactly("a#1/user", "a#2/user");
  }

  @Test
  @DisplayName("a draw for an index queued in background takes it out of its range at user priority")
  void promotion() {
    ForecastQueues<String> queues = queues();
    queues.offerBackground("a", 0, 6);
    Recorder waiter = new Recorder();

    assertThat(queues.submitUser("a", 3, waiter)).isEqualTo(Admission.PROMOTED);
    assertThat(queues.depth(Priority.BACKGROUND)).isEqualTo(5);
    assertThat(queues.depth(Priority.USER)).isEqualTo(1);

    assertThat(drain(queues)).containsExactly("a#3/user", "a#0/background", "a#1/background", "a#2/background",
        "a#4/background", "a#5/background");
    assertThat(waiter.results).containsExactly("a#3");
  }

  @Test
  @DisplayName("a background index already queued or in flight as a user task is not computed twice")
  void backgroundJoinsLiveTask() {
    ForecastQueues<String> queues = queues();
    queues.submitUser("a", 1, new Recorder());
    Task<String> user = queues.pull(true);
    queues.offerBackground("a", 0, 3);

    List<String> rest = drain(queues);
    queues.complete(user, "x");

    assertThat(rest).containsExactly("a#0/background", "a#2/background");
    assertThat(queues.snapshot(Priority.BACKGROUND).shared()).isEqualTo(1);
  }

  @Test
  @DisplayName("a full user queue refuses the draw with 503 and counts it")
  void userQueueBound() {
    ForecastQueues<String> queues = queues(Scheduling.PRIORITY, 2, 10);
    queues.submitUser("a", 1, new Recorder());
    queues.submitUser("a", 2, new Recorder());
    Recorder refused = new Recorder();

    assertThat(queues.submitUser("a", 3, refused)).isEqualTo(Admission.FULL);
    assertThat(queues.submitUser("a", 2, new Recorder())).as("joining needs no room").isEqualTo(Admission.JOINED);

    assertThat(refused.failures).singleElement().satisfies(failure -> {
      assertThat(failure).startsWith("503 ").contains("queue full");
    });
    assertThat(queues.snapshot(Priority.USER).refused()).isEqualTo(1);
    assertThat(queues.depth(Priority.USER)).isEqualTo(2);
  }

  @Test
  @DisplayName("a full background queue takes what fits, then nothing until tasks leave")
  void backgroundBound() {
    ForecastQueues<String> queues = queues(Scheduling.PRIORITY, 10, 5);
    assertThat(queues.offerBackground("a", 0, 3)).isEqualTo(3);
    assertThat(queues.offerBackground("a", 3, 10)).isEqualTo(2);
    assertThat(queues.offerBackground("a", 5, 10)).isZero();
    assertThat(queues.backgroundQueued("a")).isEqualTo(5);

    queues.complete(queues.pull(true), "x");

    assertThat(queues.offerBackground("a", 5, 10)).isEqualTo(1);
  }

  @Test
  @DisplayName("a user task whose waiters passed their deadline is dropped at pull with 503, not computed")
  void deadlineAtPull() {
    ForecastQueues<String> queues = queues();
    Recorder waiter = new Recorder();
    queues.submitUser("a", 1, waiter);
    now += DEADLINE.toNanos() + 1;

    assertThat(queues.pull(true)).isNull();
    assertThat(waiter.failures).singleElement().satisfies(failure ->
        assertThat(failure).startsWith("503 ").contains("deadline"));
    assertThat(queues.snapshot(Priority.USER).dropped()).isEqualTo(1);
    assertThat(queues.snapshot(Priority.USER).done()).isZero();
  }

  @Test
  @DisplayName("the expiry sweep fails late waiters without a pull, and a later waiter keeps the task alive")
  void expirySweep() {
    ForecastQueues<String> queues = queues();
    Recorder early = new Recorder();
    Recorder lone = new Recorder();
    queues.submitUser("a", 1, early);
    queues.submitUser("a", 2, lone);
    now += DEADLINE.toNanos() / 2;
    Recorder later = new Recorder();
    queues.submitUser("a", 1, later);
    now += DEADLINE.toNanos() / 2 + 1;

    assertThat(queues.expire()).isEqualTo(1);

    assertThat(early.failures).hasSize(1);
    assertThat(lone.failures).hasSize(1);
    assertThat(later.failures).isEmpty();
    Task<String> task = queues.pull(true);
    assertThat(task.key()).isEqualTo(new TaskKey("a", 1));
    queues.complete(task, "plot");
    assertThat(later.results).containsExactly("plot");
  }

  @Test
  @DisplayName("a promoted task whose user gave up goes back to background instead of being lost")
  void demotion() {
    ForecastQueues<String> queues = queues();
    queues.offerBackground("a", 0, 2);
    queues.submitUser("a", 1, new Recorder());
    now += DEADLINE.toNanos() + 1;

    assertThat(drain(queues)).containsExactly("a#0/background", "a#1/background");
    assertThat(queues.snapshot(Priority.USER).dropped()).isEqualTo(1);
  }

  @Test
  @DisplayName("tasks of a gone dataset are discarded at pull and counted; user waiters get 404")
  void discardAtPull() {
    ForecastQueues<String> queues = queues();
    queues.offerBackground("gone", 0, 4);
    queues.offerBackground("kept", 0, 1);
    Recorder waiter = new Recorder();
    queues.submitUser("gone", 9, waiter);
    gone.add("gone");

    assertThat(drain(queues)).containsExactly("kept#0/background");
    assertThat(waiter.failures).singleElement().satisfies(failure -> assertThat(failure).startsWith("404 "));
    assertThat(queues.snapshot(Priority.USER).discarded()).isEqualTo(1);
    assertThat(queues.snapshot(Priority.BACKGROUND).discarded()).isEqualTo(4);
    assertThat(queues.depth(Priority.BACKGROUND)).isZero();
  }

  @Test
  @DisplayName("a task a worker found gone is discarded: counted, waiters 404")
  void discardByWorker() {
    ForecastQueues<String> queues = queues();
    Recorder waiter = new Recorder();
    queues.submitUser("a", 1, waiter);
    Task<String> task = queues.pull(true);

    queues.discard(task);
    queues.complete(task, "too late");

    assertThat(waiter.failures).singleElement().satisfies(failure -> assertThat(failure).startsWith("404 "));
    assertThat(waiter.results).isEmpty();
    assertThat(queues.snapshot(Priority.USER).discarded()).isEqualTo(1);
    assertThat(queues.inFlight(Priority.USER)).isZero();
  }

  @Test
  @DisplayName("fifo scheduling serves user and background in arrival order")
  void fifo() {
    ForecastQueues<String> queues = queues(Scheduling.FIFO, 100, 1000);
    queues.offerBackground("a", 0, 2);
    queues.submitUser("u", 1, new Recorder());
    queues.submitUser("u", 2, new Recorder());
    queues.offerBackground("a", 2, 3);

    assertThat(drain(queues)).containsExactly("a#0/background", "a#1/background", "u#1/user", "u#2/user",
        "a#2/background");
  }

  @Test
  @DisplayName("wait and service percentiles come from the clock")
  void latencies() {
    ForecastQueues<String> queues = queues();
    for (int i = 1; i <= 100; i++) {
      queues.submitUser("a", i, new Recorder());
      now += 1_000_000L;
      Task<String> task = queues.pull(true);
      now += 2_000_000L * i;
      queues.complete(task, "x");
    }

    Snapshot user = queues.snapshot(Priority.USER);
    assertThat(user.waitP50Ms()).isEqualTo(1.0);
    assertThat(user.serviceP50Ms()).isEqualTo(100.0);
    assertThat(user.serviceP99Ms()).isEqualTo(198.0);
    assertThat(user.done()).isEqualTo(100);
  }

  @Test
  @DisplayName("flush fails every queued and in-flight waiter with 503 and empties both queues")
  void flush() {
    ForecastQueues<String> queues = queues();
    Recorder queued = new Recorder();
    Recorder running = new Recorder();
    queues.submitUser("a", 1, running);
    Task<String> task = queues.pull(true);
    queues.submitUser("a", 2, queued);
    queues.offerBackground("a", 10, 20);

    assertThat(queues.flush(503, "shutting down")).isEqualTo(12);
    queues.complete(task, "late");

    assertThat(queued.failures).containsExactly("503 shutting down");
    assertThat(running.failures).containsExactly("503 shutting down");
    assertThat(running.results).isEmpty();
    assertThat(queues.depth(Priority.USER)).isZero();
    assertThat(queues.depth(Priority.BACKGROUND)).isZero();
    assertThat(queues.inFlight(Priority.USER)).isZero();
    assertThat(queues.pull(true)).isNull();
  }

  /** A waiter that writes down what happened to it. */
  private static final class Recorder implements ForecastQueues.Waiter<String> {
    final List<String> results = new ArrayList<>();
    final List<String> failures = new ArrayList<>();

    @Override
    public void succeed(String result) {
      results.add(result);
    }

    @Override
    public void fail(int code, String message) {
      failures.add(code + " " + message);
    }
  }
}
