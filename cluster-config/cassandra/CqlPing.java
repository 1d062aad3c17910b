import com.datastax.driver.core.Cluster;
import com.datastax.driver.core.Session;
import com.datastax.driver.core.SocketOptions;
import java.util.concurrent.TimeUnit;

/**
 * cassandra-local's readiness check: a real CQL query, not a port check. Retries until the node at
 * host:port answers {@code SELECT release_version FROM system.local}, then prints the version.
 * Exit codes: 0 answered, 2 no answer within the timeout, 3 the Cassandra process (pid) is gone.
 *
 * <p>Compiled and run with Cassandra's own jars on the class path: Cassandra ships the DataStax Java
 * driver 3, so the script needs nothing beyond what Maven fetched.
 *
 * <pre>java -cp 'classes:lib/*' CqlPing HOST PORT TIMEOUT_SECONDS [PID]</pre>
 */
public class CqlPing {

  public static void main(String[] args) throws InterruptedException {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    long pid = args.length > 3 ? Long.parseLong(args[3]) : -1;
    String lastError = "no attempt made";
    while (true) {
      if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        System.err.println("the Cassandra process " + pid + " has exited");
        System.exit(3);
      }
      Cluster cluster = Cluster.builder().addContactPoint(host).withPort(port)
          .withoutMetrics().withoutJMXReporting()
          .withSocketOptions(new SocketOptions().setConnectTimeoutMillis(2_000).setReadTimeoutMillis(10_000))
          .build();
      try {
        Session session = cluster.connect();
        System.out.println(session.execute("SELECT release_version FROM system.local").one().getString(0));
        // Not cluster.close(): it waits 2 s for the driver's event loops to go quiet.
        System.exit(0);
      } catch (RuntimeException e) {
        lastError = e.getMessage();
        cluster.closeAsync();
      }
      if (System.nanoTime() > deadline) {
        System.err.println("no answer to a CQL query from " + host + ":" + port + ": " + lastError);
        System.exit(2);
      }
      Thread.sleep(500);
    }
  }
}
