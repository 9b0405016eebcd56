package dev.atrium.forecast;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Event-bus codec for forecast plots: JSON on the wire between nodes, like the built-in JSON
 * codec, but handed over as the same object inside one node. A plot is never changed after the
 * calc worker built it, so the copy the built-in codec makes for every local delivery (each
 * {@code atrium.forecast.ready} consumer, each reply to a draw) would only cost time.
 */
public final class PlotCodec implements MessageCodec<JsonObject, JsonObject> {

  /** The codec's name; every node registers it ({@link #register}). */
  public static final String NAME = "atrium.forecast.plot";

  /** Registers the codec on a node's event bus unless it is registered already. */
  public static void register(EventBus bus) {
    try {
      bus.registerCodec(new PlotCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another pipeline on the same Vert.x registered it first
    }
  }

  /** Delivery options that use this codec (for publications and replies: they have no timeout). */
  public static DeliveryOptions options() {
    return new DeliveryOptions().setCodecName(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, JsonObject plot) {
    Buffer encoded = plot.toBuffer();
    buffer.appendInt(encoded.length());
    buffer.appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
  }

  @Override
  public JsonObject transform(JsonObject plot) {
    return plot;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
