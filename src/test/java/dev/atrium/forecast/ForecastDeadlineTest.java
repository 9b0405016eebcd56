package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node with a short draw deadline ({@code ATRIUM_FORECAST_DEADLINE=400ms}): a draw that waits
 * behind paused workers past it gets 503 with {@code Retry-After}, is counted as dropped, and is
 * never computed, even once the workers run again.
 */
@DisplayName("Forecast draw deadline")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForecastDeadlineTest {

  private static NodeFixture node;
  private static Session user;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local()
        .env("ENABLE_REGISTRATION", "true")
        .env("ATRIUM_FORECAST_MODEL", TestModels.tiny().toString())
        .env("ATRIUM_FORECAST_DEADLINE", "400ms")
        .env("ATRIUM_LIMIT_WRITES", "100000/1m")
        .env("ATRIUM_LIMIT_UPLOADS", "100000/1m")
        .start();
    user = node.registerNew("late");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a draw not started within the deadline answers 503 with Retry-After and is not computed")
  void lateDrawDropped() throws Exception {
    Reply uploaded = node.call("POST", "/api/datasets").bearer(user.token())
        .body(ForecastApiTest.csv(21, 60), "text/csv").send();
    String hash = uploaded.json().getString("hash");
    ForecastSchedulerVerticle scheduler = node.server().forecasts().scheduler();

    ForecastApiTest.await(scheduler.pauseWorkers());
    Reply late;
    try {
      late = node.call("GET", "/api/datasets/" + hash + "/plots/30").bearer(user.token()).send();
    } finally {
      ForecastApiTest.await(scheduler.resumeWorkers());
    }

    assertThat(late.status()).as(late.toString()).isEqualTo(503);
    assertThat(late.json().getString("message")).contains("deadline");
    assertThat(late.header("Retry-After")).isEqualTo("1");
    JsonObject status = ForecastApiTest.await(scheduler.statusNow()).getJsonObject("user");
    assertThat(status.getLong("dropped")).isEqualTo(1);
    assertThat(status.getLong("done")).isZero();
    assertThat(status.getInteger("depth")).isZero();
    assertThat(node.server().forecasts().results().count(hash)).isZero();
  }
}
