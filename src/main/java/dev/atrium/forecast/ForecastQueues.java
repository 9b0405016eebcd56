package dev.atrium.forecast;

import dev.atrium.config.ForecastSettings.Scheduling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The two forecast queues of one scheduler, without threads or I/O: every method is called from
 * one thread (the scheduler's event loop), time comes from an injected clock, and waiters are
 * plain callbacks. That keeps every ordering rule unit-testable.
 *
 * <ul>
 *   <li><b>User</b> (priority 0): draws, newest first. A draw for a key already queued joins it
 *       and moves it to the front; for a key in flight joins it; for a key queued in background
 *       takes it out of its range and queues it as a user task ("promoted").</li>
 *   <li><b>Background</b> (priority 1): ranges of indexes, oldest range first; a range yields its
 *       indexes one at a time, so 10,000 queued tasks cost one object, not 10,000.</li>
 *   <li>Bounds are counted in tasks. A full user queue refuses the draw (503); a full background
 *       queue accepts what fits (perhaps nothing) and the producer retries later.</li>
 *   <li>At pull: a task whose dataset is gone is discarded (waiters 404); user waiters past their
 *       deadline fail with 503, and a user task left without waiters is dropped, not computed.</li>
 *   <li>{@link Scheduling#FIFO}: one queue in arrival order, user and background alike.</li>
 * </ul>
 *
 * @param <R> the result handed to waiters
 */
public final class ForecastQueues<R> {

  /** The two priorities. */
  public enum Priority {
    /** A person waits for it. */
    USER,
    /** Precomputation ({@code POST .../process}). */
    BACKGROUND;

    /** The name used in status JSON and metric tags. */
    public String id() {
      return this == USER ? "user" : "background";
    }
  }

  /** Someone waiting for a task's result. */
  public interface Waiter<R> {
    /** The result arrived. */
    void succeed(R result);

    /** The task failed, was dropped or discarded; {@code code} is an HTTP status. */
    void fail(int code, String message);
  }

  /** The counted fates of tasks and requests. */
  public enum Outcome {
    /** Computed. */
    DONE,
    /** Dataset gone. */
    DISCARDED,
    /** User waiters all past their deadline before it started. */
    DROPPED,
    /** Failed while being computed. */
    FAILED,
    /** A request that joined an identical task. */
    SHARED,
    /** A request refused: queue full. */
    REFUSED
  }

  /** What {@link #submitUser} did with a draw. */
  public enum Admission {
    /** A new user task. */
    QUEUED,
    /** Joined a user task already queued, or a task in flight. */
    JOINED,
    /** Took a queued background task to the user queue. */
    PROMOTED,
    /** Refused: the user queue is full (the waiter has been failed with 503). */
    FULL
  }

  /** Failure code of dropped and refused draws, and of flushed tasks. */
  public static final int UNAVAILABLE = 503;
  /** Failure code of a task whose dataset is gone. */
  public static final int GONE = 404;

  private static final Comparator<Range> ARRIVAL =
      Comparator.comparingLong(Range::seq).thenComparing(Range::dataset).thenComparingInt(Range::from);

  private final Scheduling scheduling;
  private final int userCapacity;
  private final int backgroundCapacity;
  private final long deadlineNanos;
  private final LongSupplier clock;
  private final Predicate<String> gone;
  private final Map<TaskKey, Task<R>> live = new HashMap<>();
  private final TreeMap<Long, Task<R>> user = new TreeMap<>();
  private final TreeSet<Range> background = new TreeSet<>(ARRIVAL);
  private final Map<Priority, PriorityStats> stats = new EnumMap<>(Priority.class);
  private int backgroundDepth;
  private long seq;

  /**
   * @param scheduling priority or FIFO
   * @param userCapacity most user tasks queued
   * @param backgroundCapacity most background tasks queued
   * @param deadline how long a user waiter may wait for its task to start
   * @param clock nanosecond clock ({@code System::nanoTime} outside tests)
   * @param gone whether a dataset is known to be gone (checked at pull)
   */
  public ForecastQueues(Scheduling scheduling, int userCapacity, int backgroundCapacity, Duration deadline,
      LongSupplier clock, Predicate<String> gone) {
    this.scheduling = scheduling;
    this.userCapacity = userCapacity;
    this.backgroundCapacity = backgroundCapacity;
    this.deadlineNanos = deadline.toNanos();
    this.clock = clock;
    this.gone = gone;
    for (Priority priority : Priority.values()) {
      stats.put(priority, new PriorityStats());
    }
  }

  // ---- producers ------------------------------------------------------------------------------

  /**
   * Queues a user draw, or attaches {@code waiter} to the identical task already queued or in
   * flight. The waiter's deadline starts now.
   */
  public Admission submitUser(String dataset, int index, Waiter<R> waiter) {
    long now = clock.getAsLong();
    TaskKey key = new TaskKey(dataset, index);
    Slot<R> slot = new Slot<>(waiter, now + deadlineNanos);
    Task<R> existing = live.get(key);
    if (existing != null) {
      existing.waiters.add(slot);
      stats.get(Priority.USER).shared++;
      if (!existing.inFlight && scheduling == Scheduling.PRIORITY) {
        user.remove(existing.seq);
        existing.seq = seq++;
        user.put(existing.seq, existing);
      }
      return Admission.JOINED;
    }
    Range range = rangeHolding(key);
    if (range == null && user.size() >= userCapacity) {
      stats.get(Priority.USER).refused++;
      waiter.fail(UNAVAILABLE, "forecast user queue full (" + userCapacity + " draws waiting); try again");
      return Admission.FULL;
    }
    Task<R> task = new Task<>(key, Priority.USER, now);
    task.waiters.add(slot);
    if (range != null) {
      takeOut(range, index);
      task.background = true;
      task.seq = scheduling == Scheduling.FIFO ? range.seq() : seq++;
    } else {
      task.seq = seq++;
    }
    user.put(task.seq, task);
    live.put(key, task);
    return range == null ? Admission.QUEUED : Admission.PROMOTED;
  }

  /**
   * Queues background tasks for indexes {@code from} (inclusive) to {@code to} (exclusive), as
   * many as fit, the lowest first.
   *
   * @return how many were queued: {@code to - from} when all fit, 0 when the queue is full
   */
  public int offerBackground(String dataset, int from, int to) {
    int room = backgroundCapacity - backgroundDepth;
    if (from >= to || room <= 0) {
      return 0;
    }
    int count = Math.min(room, to - from);
    background.add(new Range(dataset, from, from + count, seq++, clock.getAsLong()));
    backgroundDepth += count;
    return count;
  }

  // ---- workers --------------------------------------------------------------------------------

  /**
   * The next task to compute, marked in flight, or null when none may run now. Discards tasks of
   * gone datasets and drops expired user tasks on the way.
   *
   * @param backgroundAllowed false to hand out user tasks only (e.g. while later stages are busy)
   */
  public Task<R> pull(boolean backgroundAllowed) {
    long now = clock.getAsLong();
    while (true) {
      boolean userFirst = !user.isEmpty() && (scheduling == Scheduling.PRIORITY || background.isEmpty()
          || user.firstKey() < background.first().seq());
      if (userFirst) {
        Task<R> task = scheduling == Scheduling.PRIORITY ? user.pollLastEntry().getValue()
            : user.pollFirstEntry().getValue();
        if (admitUser(task, now)) {
          return start(task, now);
        }
      } else if (!background.isEmpty() && backgroundAllowed) {
        Task<R> task = nextBackground(now);
        if (task != null) {
          return start(task, now);
        }
      } else {
        return null;
      }
    }
  }

  /** Whether a user task is queued. */
  public boolean userWaiting() {
    return !user.isEmpty();
  }

  /** The task's result: every waiter succeeds. */
  public void complete(Task<R> task, R result) {
    if (finish(task)) {
      PriorityStats s = stats.get(task.priority);
      s.done++;
      s.service.record(clock.getAsLong() - task.startedNanos);
      task.waiters.forEach(slot -> slot.waiter.succeed(result));
    }
  }

  /** The task failed while being computed: every waiter fails with {@code code}. */
  public void fail(Task<R> task, int code, String message) {
    if (finish(task)) {
      stats.get(task.priority).failed++;
      task.waiters.forEach(slot -> slot.waiter.fail(code, message));
    }
  }

  /** A worker found the task's dataset gone: counted as discarded, waiters get 404. */
  public void discard(Task<R> task) {
    if (finish(task)) {
      stats.get(task.priority).discarded++;
      task.waiters.forEach(slot -> slot.waiter.fail(GONE, goneMessage(task.key.dataset())));
    }
  }

  // ---- upkeep ---------------------------------------------------------------------------------

  /**
   * Fails the queued user waiters whose deadline has passed (503) and drops the user tasks left
   * without waiters, without waiting for a pull; returns how many tasks were dropped.
   */
  public int expire() {
    long now = clock.getAsLong();
    int dropped = 0;
    for (Iterator<Task<R>> it = user.values().iterator(); it.hasNext(); ) {
      Task<R> task = it.next();
      if (expireWaiters(task, now) && task.waiters.isEmpty()) {
        it.remove();
        dropped++;
        drop(task);
      }
    }
    return dropped;
  }

  /**
   * Empties both queues and forgets the tasks in flight; every waiter fails with {@code code}.
   *
   * @return how many tasks were failed or cleared
   */
  public int flush(int code, String message) {
    int count = backgroundDepth;
    List<Task<R>> tasks = new ArrayList<>(live.values());
    live.clear();
    user.clear();
    background.clear();
    backgroundDepth = 0;
    for (Task<R> task : tasks) {
      count++;
      if (task.inFlight) {
        stats.get(task.priority).inFlight--;
      }
      task.inFlight = false;
      task.waiters.forEach(slot -> slot.waiter.fail(code, message));
    }
    return count;
  }

  /** A snapshot of one priority's figures. */
  public Snapshot snapshot(Priority priority) {
    PriorityStats s = stats.get(priority);
    int depth = priority == Priority.USER ? user.size() : backgroundDepth;
    return new Snapshot(depth, s.inFlight, s.done, s.discarded, s.dropped, s.failed, s.shared, s.refused,
        s.waits.percentileMillis(50), s.waits.percentileMillis(99), s.service.percentileMillis(50),
        s.service.percentileMillis(99));
  }

  /** How many tasks of one priority met {@code outcome} so far. */
  public long count(Priority priority, Outcome outcome) {
    PriorityStats s = stats.get(priority);
    return switch (outcome) {
      case DONE -> s.done;
      case DISCARDED -> s.discarded;
      case DROPPED -> s.dropped;
      case FAILED -> s.failed;
      case SHARED -> s.shared;
      case REFUSED -> s.refused;
    };
  }

  /** Queued tasks of one priority. */
  public int depth(Priority priority) {
    return priority == Priority.USER ? user.size() : backgroundDepth;
  }

  /** Tasks of one priority in flight. */
  public int inFlight(Priority priority) {
    return stats.get(priority).inFlight;
  }

  /** Background tasks queued for one dataset. */
  public int backgroundQueued(String dataset) {
    int count = 0;
    for (Range range : background) {
      if (range.dataset().equals(dataset)) {
        count += range.size();
      }
    }
    return count;
  }

  /** The scheduling mode. */
  public Scheduling scheduling() {
    return scheduling;
  }

  // ---- internals ------------------------------------------------------------------------------

  private boolean admitUser(Task<R> task, long now) {
    if (gone.test(task.key.dataset())) {
      live.remove(task.key);
      stats.get(Priority.USER).discarded++;
      task.waiters.forEach(slot -> slot.waiter.fail(GONE, goneMessage(task.key.dataset())));
      return false;
    }
    expireWaiters(task, now);
    if (task.waiters.isEmpty()) {
      drop(task);
      return false;
    }
    return true;
  }

  /** A user task nobody waits for any more: dropped; one a background feed still wants runs as background. */
  private void drop(Task<R> task) {
    stats.get(Priority.USER).dropped++;
    live.remove(task.key);
    if (task.background) {
      background.add(new Range(task.key.dataset(), task.key.index(), task.key.index() + 1, task.seq, task.enqueuedNanos));
      backgroundDepth++;
    }
  }

  /** Fails the expired waiters; true when any expired. */
  private boolean expireWaiters(Task<R> task, long now) {
    boolean any = false;
    for (Iterator<Slot<R>> it = task.waiters.iterator(); it.hasNext(); ) {
      Slot<R> slot = it.next();
      if (slot.deadlineNanos - now < 0) {
        it.remove();
        any = true;
        slot.waiter.fail(UNAVAILABLE, "forecast for " + task.key + " not started within the "
            + deadlineNanos / 1_000_000 + " ms deadline; try again");
      }
    }
    return any;
  }

  private Task<R> nextBackground(long now) {
    Range range = background.pollFirst();
    if (gone.test(range.dataset())) {
      backgroundDepth -= range.size();
      stats.get(Priority.BACKGROUND).discarded += range.size();
      return null;
    }
    backgroundDepth--;
    if (range.size() > 1) {
      background.add(new Range(range.dataset(), range.from() + 1, range.to(), range.seq(), range.enqueuedNanos()));
    }
    TaskKey key = new TaskKey(range.dataset(), range.from());
    Task<R> existing = live.get(key);
    if (existing != null) {
      existing.background = true;
      stats.get(Priority.BACKGROUND).shared++;
      return null;
    }
    Task<R> task = new Task<>(key, Priority.BACKGROUND, range.enqueuedNanos());
    task.background = true;
    task.seq = range.seq();
    live.put(key, task);
    return task;
  }

  private Task<R> start(Task<R> task, long now) {
    task.inFlight = true;
    task.startedNanos = now;
    PriorityStats s = stats.get(task.priority);
    s.inFlight++;
    s.waits.record(now - task.enqueuedNanos);
    return task;
  }

  private boolean finish(Task<R> task) {
    if (!task.inFlight || live.get(task.key) != task) {
      return false;
    }
    task.inFlight = false;
    live.remove(task.key);
    stats.get(task.priority).inFlight--;
    return true;
  }

  private Range rangeHolding(TaskKey key) {
    for (Range range : background) {
      if (range.dataset().equals(key.dataset()) && range.from() <= key.index() && key.index() < range.to()) {
        return range;
      }
    }
    return null;
  }

  /** Removes one index from a queued range, keeping both halves where they were. */
  private void takeOut(Range range, int index) {
    background.remove(range);
    backgroundDepth--;
    if (range.from() < index) {
      background.add(new Range(range.dataset(), range.from(), index, range.seq(), range.enqueuedNanos()));
    }
    if (index + 1 < range.to()) {
      background.add(new Range(range.dataset(), index + 1, range.to(), range.seq(), range.enqueuedNanos()));
    }
  }

  private static String goneMessage(String dataset) {
    return "dataset " + dataset + " is gone (deleted or expired)";
  }

  /**
   * A task handed to a worker: the key, the priority it runs at, and its waiters (kept here).
   *
   * @param <R> the result type
   */
  public static final class Task<R> {
    private final TaskKey key;
    private final long enqueuedNanos;
    private final List<Slot<R>> waiters = new ArrayList<>(1);
    private final Priority priority;
    private long seq;
    private long startedNanos;
    private boolean inFlight;
    private boolean background;

    private Task(TaskKey key, Priority priority, long enqueuedNanos) {
      this.key = key;
      this.priority = priority;
      this.enqueuedNanos = enqueuedNanos;
    }

    /** Dataset and index. */
    public TaskKey key() {
      return key;
    }

    /** The priority it runs at. */
    public Priority priority() {
      return priority;
    }

    /** When it was handed to a worker (the queues' clock). */
    public long startedNanos() {
      return startedNanos;
    }

    /** How long it waited in its queue, in nanoseconds. */
    public long waitedNanos() {
      return startedNanos - enqueuedNanos;
    }

    /** Whether anybody waits for it (background tasks have no waiters). */
    public int waiters() {
      return waiters.size();
    }

    @Override
    public String toString() {
      return key + "/" + priority.id();
    }
  }

  /**
   * One priority's figures at one moment.
   *
   * @param depth queued tasks
   * @param inFlight tasks being computed
   * @param done tasks computed
   * @param discarded tasks whose dataset was gone
   * @param dropped user tasks whose waiters all passed their deadline before it started
   * @param failed tasks that failed while being computed
   * @param shared requests that joined a task already queued or in flight
   * @param refused requests refused because the queue was full
   * @param waitP50Ms median time from queued to started, recent tasks
   * @param waitP99Ms 99th percentile of that
   * @param serviceP50Ms median time from started to result, recent tasks
   * @param serviceP99Ms 99th percentile of that
   */
  public record Snapshot(int depth, int inFlight, long done, long discarded, long dropped, long failed, long shared,
      long refused, double waitP50Ms, double waitP99Ms, double serviceP50Ms, double serviceP99Ms) {
  }

  private static final class PriorityStats {
    private final LatencyWindow waits = new LatencyWindow(1024);
    private final LatencyWindow service = new LatencyWindow(1024);
    // single writer (the scheduler's loop); volatile so metric scrapes on other threads see recent values
    private volatile int inFlight;
    private volatile long done;
    private volatile long discarded;
    private volatile long dropped;
    private volatile long failed;
    private volatile long shared;
    private volatile long refused;
  }

  private record Slot<R>(Waiter<R> waiter, long deadlineNanos) {
  }

  /** Indexes {@code from} (inclusive) to {@code to} (exclusive) of one dataset, queued at {@code seq}. */
  private record Range(String dataset, int from, int to, long seq, long enqueuedNanos) {
    int size() {
      return to - from;
    }
  }
}
