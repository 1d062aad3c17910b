package io.weirmq.core.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Where a queue's mirrors live: rendezvous (highest random weight) hashing of the queue over the
 * cluster's members, so that every node computes the same answer from the same membership, with no
 * coordinator. A member joining or leaving moves only the mirrors it wins or held.
 */
public final class MirrorPlacement {

  private MirrorPlacement() {}

  /**
   * The nodes that hold the queue's mirrors, best first: the {@code wanted} highest-scoring members
   * other than the leader's node (fewer when the cluster is smaller). Node names are compared as given.
   */
  public static List<String> choose(String queueKey, String leaderNode, Collection<String> members, int wanted) {
    if (wanted <= 0) {
      return List.of();
    }
    List<String> candidates = new ArrayList<>(members.size());
    for (String m : members) {
      if (!m.equals(leaderNode) && !candidates.contains(m)) {
        candidates.add(m);
      }
    }
    if (candidates.isEmpty()) {
      return List.of();
    }
    candidates.sort(Comparator.comparingLong((String m) -> score(queueKey, m)).reversed()
        .thenComparing(Comparator.naturalOrder()));
    return List.copyOf(candidates.subList(0, Math.min(wanted, candidates.size())));
  }

  /** A 64-bit hash of queue and node together: FNV-1a then a finalising mix, so close names spread. */
  static long score(String queueKey, String node) {
    long h = 0xcbf29ce484222325L;
    for (byte b : queueKey.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ 0x1f) * 0x100000001b3L; // a separator no UTF-8 name byte sequence can fake at this point
    for (byte b : node.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
