package dev.atrium.accounts;

/**
 * Who is asking: the principal every authorization decision is made for.
 *
 * @param id user id
 * @param email e-mail as registered
 * @param admin whether the user administers accounts
 * @param implicit whether this is the implicit local user (local mode, no sign-in)
 */
public record AuthUser(String id, String email, boolean admin, boolean implicit) {

  /** The implicit owner of everything in local mode on loopback. */
  public static final AuthUser LOCAL = new AuthUser("local", "local@localhost", true, true);
}
