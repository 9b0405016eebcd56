package dev.atrium.forecast.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** CSV parsing: good files in their variants, and every refusal with its place. */
@DisplayName("CSV datasets")
class CsvTableTest {

  private static byte[] csv(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static CsvException refusal(String text) {
    try {
      CsvTable.parse(csv(text));
    } catch (CsvException e) {
      assertThat(e.status()).isEqualTo(400);
      return e;
    }
    throw new AssertionError("accepted: " + text);
  }

  // ---- good files -------------------------------------------------------------------------------

  @Test
  @DisplayName("a numeric file without a timestamp gives its columns, values, scalers and hash")
  void numericOnly() {
    byte[] bytes = csv("temp,load\n1,10\n2,20\n3,30\n");
    Dataset d = CsvTable.parse(bytes);
    assertThat(d.columns()).containsExactly("temp", "load");
    assertThat(d.rows()).isEqualTo(3);
    assertThat(d.values()[0]).containsExactly(1, 2, 3);
    assertThat(d.values()[1]).containsExactly(10, 20, 30);
    assertThat(d.timestampColumn()).isNull();
    assertThat(d.timestamps()).isNull();
    assertThat(d.scalers().get(0).mean()).isEqualTo(2.0);
    assertThat(d.scalers().get(0).std()).isCloseTo(Math.sqrt(2.0 / 3), within(1e-12));
    assertThat(d.scalers().get(1).mean()).isEqualTo(20.0);
    assertThat(d.bytes()).isEqualTo(bytes.length);
    // printf 'temp,load\n1,10\n2,20\n3,30\n' | sha256sum
    assertThat(d.hash()).isEqualTo("dcddf79e8705aab185fee5d2b6ec22ab2ce25f2db6bafb759443dac4b17063a0");
    assertThat(d.summary()).containsEntry("rows", 3).containsEntry("columns", List.of("temp", "load"));
  }

  @Test
  @DisplayName("the hash is the sha256 of the bytes as sent, so one more newline is another dataset")
  void hashOfBytes() {
    // printf 'x\n1\n' | sha256sum
    assertThat(CsvTable.parse(csv("x\n1\n")).hash())
        .isEqualTo("daff832f802000e645771a60983c76c963f6ee602a6230e45237bd360e91cc1a");
    assertThat(CsvTable.parse(csv("x\n1\n\n")).hash()).isNotEqualTo(CsvTable.parse(csv("x\n1\n")).hash());
  }

  @Test
  @DisplayName("a timestamp column (any case, any position) is kept as text and is not numeric")
  void timestampColumn() {
    Dataset d = CsvTable.parse(csv("temp,Date,load\n1.5,2024-01-01,7\n2.5,2024-01-02,8\n"));
    assertThat(d.columns()).containsExactly("temp", "load");
    assertThat(d.timestampColumn()).isEqualTo("Date");
    assertThat(d.timestamps()).containsExactly("2024-01-01", "2024-01-02");
    assertThat(d.values()[0]).containsExactly(1.5, 2.5);
    assertThat(d.values()[1]).containsExactly(7, 8);
    for (String name : List.of("timestamp", "TIME", "datetime")) {
      assertThat(CsvTable.parse(csv(name + ",v\nt0,1\n")).timestampColumn()).isEqualTo(name);
    }
  }

  @Test
  @DisplayName("CRLF line ends, a byte-order mark, a trailing empty line and surrounding spaces are accepted")
  void crlfAndBom() {
    byte[] body = csv("\uFEFFtime , value\r\n2024-01-01T00:00Z, 1e3\r\n2024-01-01T01:00Z ,-2.5E-1\r\n\r\n");
    Dataset d = CsvTable.parse(body);
    assertThat(d.timestampColumn()).isEqualTo("time");
    assertThat(d.columns()).containsExactly("value");
    assertThat(d.values()[0]).containsExactly(1000, -0.25);
    assertThat(d.timestamps()).containsExactly("2024-01-01T00:00Z", "2024-01-01T01:00Z");
    assertThat(d.bytes()).isEqualTo(body.length);
  }

  @Test
  @DisplayName("quoted cells may hold commas, quotes and line breaks; quoted numbers are numbers")
  void quotedCells() {
    Dataset d = CsvTable.parse(csv("\"date\",\"a, b\"\n\"Jan 1, 2024\",\"3.25\"\n\"Jan \"\"2\"\"\n2024\",+4\n"));
    assertThat(d.columns()).containsExactly("a, b");
    assertThat(d.timestamps()).containsExactly("Jan 1, 2024", "Jan \"2\"\n2024");
    assertThat(d.values()[0]).containsExactly(3.25, 4);
  }

  @Test
  @DisplayName("a constant column gets a scaler that does not divide by zero")
  void constantColumn() {
    Dataset d = CsvTable.parse(csv("v\n5\n5\n5\n"));
    assertThat(d.scalers().get(0).std()).isEqualTo(1.0);
    assertThat(d.scalers().get(0).scale(5)).isEqualTo(0.0);
  }

  @Test
  @DisplayName("a target column is found by name; an unknown one names the columns")
  void targetColumn() {
    byte[] bytes = csv("date,temp,load\nd1,1,2\n");
    Dataset d = CsvTable.parse(bytes);
    assertThat(CsvTable.column(d, "load")).isEqualTo(1);
    assertThatThrownBy(() -> CsvTable.column(d, "x"))
        .isInstanceOf(CsvException.class)
        .hasMessage("unknown column 'x'; columns are [temp, load]");
    assertThatThrownBy(() -> CsvTable.column(d, "date"))
        .hasMessageContaining("'date' is the timestamp column");
  }

  // ---- refusals ---------------------------------------------------------------------------------

  @Test
  @DisplayName("an empty body, or only blank lines, is refused")
  void emptyBody() {
    assertThatThrownBy(() -> CsvTable.parse(new byte[0])).isInstanceOf(CsvException.class)
        .hasMessageContaining("empty");
    assertThat(refusal("\n\r\n").getMessage()).contains("empty");
  }

  @Test
  @DisplayName("a header without data rows is refused")
  void headerOnly() {
    CsvException e = refusal("temp,load\n");
    assertThat(e.getMessage()).isEqualTo("the CSV has a header row but no data rows");
  }

  @Test
  @DisplayName("duplicate and blank header names are refused, naming the column")
  void badHeader() {
    CsvException duplicate = refusal("a,b,a\n1,2,3\n");
    assertThat(duplicate.getMessage()).contains("'a' appears twice");
    assertThat(duplicate.column()).isEqualTo("a");
    assertThat(refusal("a,,c\n1,2,3\n").getMessage()).contains("column 2 has a blank name");
    assertThat(refusal("a,\" \"\n1,2\n").getMessage()).contains("column 2 has a blank name");
  }

  @Test
  @DisplayName("a ragged row is refused with its data row, line and cell counts")
  void raggedRow() {
    StringBuilder text = new StringBuilder("a,b,c,d\n");
    for (int i = 1; i <= 6; i++) {
      text.append(i).append(",2,3,4\n");
    }
    text.append("7,8,9\n");
    CsvException e = refusal(text.toString());
    assertThat(e.getMessage()).isEqualTo("data row 7 (line 8) has 3 cells, the header has 4");
    assertThat(e.row()).isEqualTo(7);
    assertThat(e.line()).isEqualTo(8);
    assertThat(refusal("a,b\n1,2,\n").getMessage()).isEqualTo("data row 1 (line 2) has 3 cells, the header has 2");
  }

  @Test
  @DisplayName("a non-numeric cell is refused with its data row, line, column and text")
  void nonNumeric() {
    StringBuilder text = new StringBuilder("date,temp\n");
    for (int i = 1; i <= 11; i++) {
      text.append("d").append(i).append(',').append(i).append('\n');
    }
    text.append("d12,abc\n");
    CsvException e = refusal(text.toString());
    assertThat(e.getMessage()).isEqualTo("data row 12 (line 13), column 'temp': 'abc' is not a number");
    assertThat(e.row()).isEqualTo(12);
    assertThat(e.line()).isEqualTo(13);
    assertThat(e.column()).isEqualTo("temp");
  }

  @Test
  @DisplayName("line numbers count skipped empty lines and quoted line breaks; data rows do not")
  void linesVersusRows() {
    CsvException e = refusal("date,v\n\"a\nb\",1\n\nc,x\n");
    assertThat(e.getMessage()).isEqualTo("data row 2 (line 5), column 'v': 'x' is not a number");
  }

  @Test
  @DisplayName("NaN, Infinity, overflow, hex and Java suffixes are not numbers")
  void nonFinite() {
    for (String cell : List.of("NaN", "Infinity", "-Infinity", "inf", "0x1p3", "1d", "2f", "1,5", "--1", "1e")) {
      String quoted = cell.contains(",") ? "\"" + cell + "\"" : cell;
      assertThat(refusal("v\n1\n" + quoted + "\n").getMessage())
          .as(cell).isEqualTo("data row 2 (line 3), column 'v': '" + cell + "' is not a number");
    }
    assertThat(refusal("v\n1e400\n").getMessage()).isEqualTo("data row 1 (line 2), column 'v': '1e400' is out of the"
        + " range of a double");
  }

  @Test
  @DisplayName("an empty numeric cell or an empty timestamp is refused")
  void emptyCells() {
    assertThat(refusal("a,b\n1,2\n3,\n").getMessage())
        .isEqualTo("data row 2 (line 3), column 'b': the cell is empty; every cell of a numeric column needs a number");
    assertThat(refusal("date,b\n,2\n").getMessage()).isEqualTo("data row 1 (line 2), column 'date': the timestamp is"
        + " empty");
  }

  @Test
  @DisplayName("a file with no numeric column, or two timestamp columns, is refused")
  void noNumeric() {
    assertThat(refusal("date\n2024-01-01\n").getMessage()).contains("no numeric column");
    assertThat(refusal("date,time,v\nd,t,1\n").getMessage()).contains("two timestamp columns, 'date' and 'time'");
  }

  @Test
  @DisplayName("an unclosed quote and bytes that are not UTF-8 are refused")
  void malformed() {
    CsvException quote = refusal("a,b\n1,2\n3,\"4\n");
    assertThat(quote.getMessage()).startsWith("data row 2").contains("malformed CSV");
    assertThatThrownBy(() -> CsvTable.parse(new byte[] {'a', '\n', (byte) 0xC3, (byte) 0x28, '\n'}))
        .isInstanceOf(CsvException.class).hasMessageContaining("UTF-8");
  }
}
