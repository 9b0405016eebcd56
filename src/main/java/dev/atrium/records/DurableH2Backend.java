package dev.atrium.records;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Set;

/**
 * The embedded records server's H2 backend, committing after every write command before the
 * reply goes out. Stock H2Backend leaves commits to MVStore's background auto-commit (about once
 * a second), so a killed process would lose writes it had already acknowledged. The commit writes
 * the change to the file (the page cache keeps it across a process crash; it is not fsynced
 * against a machine crash — production uses MongoDB).
 */
final class DurableH2Backend extends H2Backend {

  private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify",
      "createindexes", "drop", "dropindexes", "create", "dropdatabase", "renamecollection");

  DurableH2Backend(String fileName) {
    super(fileName);
  }

  @Override
  public Document handleCommand(Channel channel, String database, String command, Document query) {
    Document reply = super.handleCommand(channel, database, command, query);
    if (WRITES.contains(command.toLowerCase(java.util.Locale.ROOT))) {
      commit();
    }
    return reply;
  }
}
