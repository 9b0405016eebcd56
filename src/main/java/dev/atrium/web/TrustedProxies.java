package dev.atrium.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-*} headers are believed, as IP addresses or CIDR blocks
 * (IPv4 and IPv6). A request from any other address is taken at face value, so a client cannot
 * fake its address, scheme or host by sending the headers itself.
 */
public final class TrustedProxies {

  private final List<Block> blocks = new ArrayList<>();

  /** @param entries addresses or CIDR blocks, e.g. {@code 10.0.0.0/8}, {@code ::1} */
  public TrustedProxies(List<String> entries) {
    for (String entry : entries) {
      String[] parts = entry.split("/", 2);
      byte[] address = literal(parts[0]);
      int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
      if (bits < 0 || bits > address.length * 8) {
        throw new IllegalArgumentException("prefix length out of range in " + entry);
      }
      blocks.add(new Block(address, bits));
    }
  }

  /** Whether no proxy is trusted. */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code ip} (a literal address) is one of the trusted proxies. */
  public boolean trusts(String ip) {
    if (blocks.isEmpty() || ip == null) {
      return false;
    }
    byte[] address;
    try {
      address = literal(ip);
    } catch (IllegalArgumentException e) {
      return false;
    }
    for (Block block : blocks) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] literal(String text) {
    String trimmed = text.trim();
    if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
      trimmed = trimmed.substring(1, trimmed.length() - 1);
    }
    if (!trimmed.matches("[0-9A-Fa-f.:]+")) {
      throw new IllegalArgumentException("not an IP literal: " + text);
    }
    try {
      // A literal never triggers a DNS lookup.
      return InetAddress.getByName(trimmed).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP literal: " + text, e);
    }
  }

  private record Block(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }
  }
}
