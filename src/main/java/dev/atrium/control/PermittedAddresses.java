package dev.atrium.control;

import dev.atrium.bus.Addresses;
import dev.atrium.rooms.Role;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the SockJS bridge lets through, built from the address catalogue ({@link Addresses}).
 *
 * <ul>
 *   <li>Inbound (browser → bus), {@code send} only: {@link Addresses#CONTROL_JOIN},
 *       {@link Addresses#CONTROL_LEAVE}, the lock requests and the presenter requests, each with the
 *       role its sender needs in the room named by the payload's {@code room} (checked by the bridge
 *       against {@code RoomAccess}; the service behind the address checks again). The lock and
 *       presenter requests are forwarded to, and so permitted as, their node-local twins
 *       ({@link Addresses#nodeLocal}).</li>
 *   <li>Outbound (bus → browser): {@code room.<id>} — registrable only for a room the socket has
 *       joined and may view — and {@code atrium.client.<socket>}, registrable only by that socket
 *       (or through the alias {@code atrium.client.self}).</li>
 * </ul>
 * Everything else (every internal address, {@code publish} of anything) is refused.
 */
public final class PermittedAddresses {

  /** Inbound addresses and the least role the sender needs in the payload's room. */
  public static final Map<String, Role> INBOUND;

  static {
    Map<String, Role> inbound = new LinkedHashMap<>();
    inbound.put(Addresses.CONTROL_JOIN, Role.VIEWER);
    inbound.put(Addresses.CONTROL_LEAVE, Role.VIEWER);
    inbound.put(Addresses.LOCKS_ACQUIRE, Role.EDITOR);
    inbound.put(Addresses.LOCKS_RENEW, Role.EDITOR);
    // a holder demoted below editor may still give back what it holds
    inbound.put(Addresses.LOCKS_RELEASE, Role.VIEWER);
    inbound.put(Addresses.PRESENTER_REQUEST, Role.VIEWER);
    inbound.put(Addresses.PRESENTER_RENEW, Role.VIEWER);
    inbound.put(Addresses.PRESENTER_RELEASE, Role.VIEWER);
    inbound.put(Addresses.PRESENTER_STEP, Role.VIEWER);
    INBOUND = Map.copyOf(inbound);
  }

  /** Browser-facing room addresses. */
  public static final String ROOM_REGEX = "room\\..+";
  /** One socket's own address; the bridge lets a socket register only its own. */
  public static final String CLIENT_REGEX = "atrium\\.client\\.[0-9a-f]{32}";

  private PermittedAddresses() {
  }

  /**
   * Whether a socket's request to {@code address} is forwarded to the node-local twin
   * ({@link Addresses#nodeLocal}): the lock and presenter requests. (Join and leave are consumed
   * locally under their own names.)
   */
  static boolean servedOnOwnNode(String address) {
    return address.startsWith("atrium.locks.") || address.startsWith("atrium.presenter.");
  }

  /**
   * The bridge options: the permitted lists, a ping timeout of {@code heartbeatTimeout} (the
   * bridge's own silence check; the channel checks more often) and a reply timeout for requests
   * sent through the bridge.
   */
  static SockJSBridgeOptions bridgeOptions(Duration heartbeatTimeout, Duration replyTimeout) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .setPingTimeout(heartbeatTimeout.toMillis())
        .setReplyTimeout(replyTimeout.toMillis())
        .setMaxHandlersPerSocket(1000)
        .setMaxAddressLength(200);
    // the bridge matches the address after the bridge-event handler, which forwards a socket's lock
    // and presenter requests to their node-local twins: only those twins ever reach this list
    INBOUND.keySet().forEach(address -> options.addInboundPermitted(new PermittedOptions()
        .setAddress(servedOnOwnNode(address) ? Addresses.nodeLocal(address) : address)));
    options.addOutboundPermitted(new PermittedOptions().setAddressRegex(ROOM_REGEX));
    options.addOutboundPermitted(new PermittedOptions().setAddressRegex(CLIENT_REGEX));
    return options;
  }
}
