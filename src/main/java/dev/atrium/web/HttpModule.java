package dev.atrium.web;

import io.vertx.ext.web.Router;

/**
 * A part of the one HTTP router contributed by a subsystem: guards ({@code router.route()}
 * handlers) or routes. Modules are mounted in order, after the foundation, health and metrics.
 */
@FunctionalInterface
public interface HttpModule {

  /** Adds this module's handlers to the router. */
  void mount(Router router);
}
