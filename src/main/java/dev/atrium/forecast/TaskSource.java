package dev.atrium.forecast;

import dev.atrium.forecast.ForecastQueues.Task;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * How the workers of one node talk to its scheduler. Workers <b>pull</b>: an idle worker hands
 * over a promise, and the scheduler completes it when there is something to do (never two things
 * at once) — at once, on the worker's own thread, when work is waiting, so a busy worker goes from
 * one task to the next without a round trip through the event loop; otherwise later, on whichever
 * thread brought the work. Either way the worker moves the work onto its own context before
 * doing it. Every method is thread-safe.
 */
public interface TaskSource {

  /** An idle inference worker asks for its next task. */
  void pullTask(Promise<Task<JsonObject>> next);

  /** An idle calc worker asks for its next job. */
  void pullCalc(Promise<CalcJob> next);

  /** A worker stops: its pending pull is withdrawn (and failed), so nothing is handed to it any more. */
  void withdraw(Promise<?> pending);

  /** Inference is done: the samples go to the calc queue. */
  void inferred(CalcJob job);

  /** The plot is done (already in the Result Cache and published): every waiter gets it. */
  void completed(Task<JsonObject> task, JsonObject plot);

  /** The task failed while being computed; {@code code} is an HTTP status. */
  void failed(Task<JsonObject> task, int code, String message);

  /** The task's dataset turned out to be gone when the worker fetched it. */
  void discarded(Task<JsonObject> task);
}
