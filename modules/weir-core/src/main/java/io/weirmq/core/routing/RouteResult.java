package io.weirmq.core.routing;

import io.weirmq.core.model.QueueId;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** Where a published message goes: each queue once, in the order routing reached them. */
public record RouteResult(Set<QueueId> queues) {

  public static final RouteResult UNROUTED = new RouteResult(Set.of());

  public RouteResult {
    queues = Collections.unmodifiableSet(new LinkedHashSet<>(queues));
  }

  /** False when no queue gets the message (a mandatory publish is then returned). */
  public boolean routed() {
    return !queues.isEmpty();
  }
}
