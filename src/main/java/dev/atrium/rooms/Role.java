package dev.atrium.rooms;

import java.util.Locale;

/** What a member may do in a room; each role includes the ones before it. */
public enum Role {
  /** Sees the room and its frames. */
  VIEWER,
  /** Also changes frames and the room's title. */
  EDITOR,
  /** Also manages members, visibility, and deletes the room. */
  OWNER;

  /** The lower-case name used on the wire. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this role includes {@code needed}. */
  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** Parses {@code viewer}, {@code editor} or {@code owner}; null when it is none of them. */
  public static Role parse(String text) {
    for (Role role : values()) {
      if (role.id().equals(text)) {
        return role;
      }
    }
    return null;
  }
}
