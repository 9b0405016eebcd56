package dev.atrium.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.rooms.Role;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bridge's permitted lists against the address catalogue: every browser-facing request address
 * is let in with the right role, and nothing internal is, whatever is added to the catalogue later.
 */
@DisplayName("The bridge's permitted addresses")
@Timeout(10)
class PermittedAddressesTest {

  @Test
  @DisplayName("every lock, presenter, join and leave request of the catalogue is inbound, nothing else is")
  void inboundFromCatalogue() throws Exception {
    Map<String, String> catalogue = catalogue();
    for (Map.Entry<String, String> entry : catalogue.entrySet()) {
      String name = entry.getKey();
      boolean browserRequest = name.startsWith("LOCKS_") || name.startsWith("PRESENTER_")
          || name.equals("CONTROL_JOIN") || name.equals("CONTROL_LEAVE");
      assertThat(PermittedAddresses.INBOUND.containsKey(entry.getValue()))
          .as("%s (%s) inbound", name, entry.getValue()).isEqualTo(browserRequest);
    }
    assertThat(PermittedAddresses.INBOUND).containsEntry(Addresses.LOCKS_ACQUIRE, Role.EDITOR)
        .containsEntry(Addresses.LOCKS_RENEW, Role.EDITOR).containsEntry(Addresses.CONTROL_JOIN, Role.VIEWER)
        .containsEntry(Addresses.PRESENTER_STEP, Role.VIEWER);
    assertThat(PermittedAddresses.INBOUND.keySet()).allSatisfy(address -> assertThat(catalogue).containsValue(address));
  }

  @Test
  @DisplayName("outbound lets through room.<id> and 32-hex client addresses only, never an internal address")
  void outboundPatterns() throws Exception {
    SockJSBridgeOptions options = PermittedAddresses.bridgeOptions(Duration.ofSeconds(10), Duration.ofSeconds(3));
    assertThat(options.getPingTimeout()).isEqualTo(10_000);
    assertThat(options.getReplyTimeout()).isEqualTo(3_000);
    List<String> inbound = PermittedAddresses.INBOUND.keySet().stream()
        .map(address -> PermittedAddresses.servedOnOwnNode(address) ? Addresses.nodeLocal(address) : address).toList();
    assertThat(options.getInboundPermitteds()).extracting(PermittedOptions::getAddress)
        .containsExactlyInAnyOrderElementsOf(inbound);
    assertThat(inbound).as("lock and presenter requests are permitted as their node-local twins only")
        .contains(Addresses.nodeLocal(Addresses.LOCKS_ACQUIRE), Addresses.nodeLocal(Addresses.PRESENTER_STEP),
            Addresses.CONTROL_JOIN, Addresses.CONTROL_LEAVE)
        .doesNotContain(Addresses.LOCKS_ACQUIRE, Addresses.PRESENTER_STEP, Addresses.nodeLocal(Addresses.CONTROL_JOIN));
    assertThat(options.getOutboundPermitteds()).extracting(PermittedOptions::getAddressRegex)
        .containsExactlyInAnyOrder(PermittedAddresses.ROOM_REGEX, PermittedAddresses.CLIENT_REGEX);

    assertThat(outbound(Addresses.room("8d0c4a2e-1b2f-4c55-9f0e-2f1a7c3b9d10"))).isTrue();
    assertThat(outbound(Addresses.CLIENT_PREFIX + "0123456789abcdef0123456789abcdef")).isTrue();
    assertThat(outbound(ControlChannelVerticle.CLIENT_SELF)).as("the alias is rewritten, never registered").isFalse();
    assertThat(outbound(Addresses.CLIENT_PREFIX + "0123")).isFalse();
    for (String address : catalogue().values()) {
      if (!address.equals(Addresses.ROOM_PREFIX) && !address.equals(Addresses.CLIENT_PREFIX)) {
        assertThat(outbound(address)).as(address).isFalse();
      }
    }
    assertThat(outbound(Addresses.CONTROL_CLOSE)).isFalse();
    assertThat(outbound("roomX.1")).isFalse();
  }

  private static boolean outbound(String address) {
    return address.matches(PermittedAddresses.ROOM_REGEX) || address.matches(PermittedAddresses.CLIENT_REGEX);
  }

  /** Every address constant of the catalogue, by field name. */
  private static Map<String, String> catalogue() throws IllegalAccessException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field field : Addresses.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
          && !field.getName().startsWith("HEADER_")) {
        out.put(field.getName(), (String) field.get(null));
      }
    }
    return out;
  }
}
