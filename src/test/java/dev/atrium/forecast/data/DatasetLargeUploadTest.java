package dev.atrium.forecast.data;

import static dev.atrium.forecast.data.DatasetApiTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CSV at the default upload limit (8 MB) goes into one record document and comes back intact on
 * a node that did not parse it; one byte more is 413. Prints the times it took (not asserted).
 */
@DisplayName("Data Cache with an upload at the default limit")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatasetLargeUploadTest {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetLargeUploadTest.class);
  private static final int LIMIT = 8 << 20;

  private static NodeFixture node;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().implicitUser().start();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("8 MB of CSV is stored, reloaded by another store with the same values, and 8 MB + 1 byte is 413")
  void atTheLimit() {
    String csv = csvOf(LIMIT);
    byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
    assertThat(bytes).hasSize(LIMIT);

    long parseStart = System.nanoTime();
    Dataset local = CsvTable.parse(bytes);
    long parseNs = System.nanoTime() - parseStart;
    long uploadStart = System.nanoTime();
    Reply reply = node.call("POST", "/api/datasets").body(csv, "text/csv").send();
    long uploadNs = System.nanoTime() - uploadStart;
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().getInteger("rows")).isEqualTo(local.rows());

    DatasetStore other = new DatasetStore(node.server().vertx(), node.server().records().client(),
        node.server().datasets().settings());
    long loadStart = System.nanoTime();
    Dataset loaded = await(other.get(local.hash()));
    long loadNs = System.nanoTime() - loadStart;
    long existsStart = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      assertThat(await(other.exists(local.hash()))).isTrue();
    }
    long existsNs = (System.nanoTime() - existsStart) / 1000;

    assertThat(loaded.columns()).isEqualTo(local.columns());
    assertThat(loaded.rows()).isEqualTo(local.rows());
    for (int c = 0; c < local.columns().size(); c++) {
      assertThat(loaded.values()[c]).containsExactly(local.values()[c]);
    }
    assertThat(loaded.timestamps()).isEqualTo(local.timestamps());
    LOG.info(String.format(Locale.ROOT, "8 MB dataset [rows: %d, parse ms: %.0f, upload+store ms: %.0f,"
            + " load on another store ms: %.0f, exists when held us: %.1f, weight MB: %.1f]", local.rows(),
        parseNs / 1e6, uploadNs / 1e6, loadNs / 1e6, existsNs / 1e3, local.weight() / 1e6));

    Reply over = node.call("POST", "/api/datasets").body(csvOf(LIMIT + 1), "text/csv").send();
    assertThat(over.status()).as(over.toString()).isEqualTo(413);
    assertThat(over.json().getString("message")).contains(String.valueOf(LIMIT));
  }

  /** A timestamp and two numeric columns, padded with a last row of exactly the bytes left. */
  private static String csvOf(int size) {
    StringBuilder csv = new StringBuilder(size).append("time,temp,load\n");
    int i = 0;
    while (true) {
      String row = String.format(Locale.ROOT, "2024-01-01T%06d,%.4f,%.3f\n", i, 20 + 5 * Math.sin(i * 0.01),
          100 + (i % 97) * 0.5);
      if (csv.length() + row.length() > size - 40) {
        break;
      }
      csv.append(row);
      i++;
    }
    String last = "2024-01-01T999999,1,";
    csv.append(last);
    int left = size - csv.length() - 1;
    csv.append("1".repeat(Math.max(1, left))).append('\n');
    return csv.toString();
  }
}
