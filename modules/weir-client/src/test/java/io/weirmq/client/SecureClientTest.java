package io.weirmq.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clients' side of security: credentials from setters and URIs, refusals as exceptions, and
 * TLS (HTTPS and WSS) with a certificate made at test time by the JDK's keytool.
 */
class SecureClientTest {

  @TempDir Path dir;

  @Test
  void clientsLogInWithTheirCredentialsAndHearOfWrongOnes() throws Exception {
    try (WeirTestServer server = WeirTestServer.start(dir.resolve("data"))) {
      WeirAdmin guest = WeirAdmin.builder().uri(server.uri()).build();
      assertThat(guest.whoami()).containsEntry("name", "guest");
      assertThat(guest.userPut("ann", "ann's pw", List.of("management"))).isTrue();
      guest.permissionsSet("/", "ann", "^ann\\.", "^ann\\.", "^ann\\.");

      // user:password@ in the URI, percent-encoded.
      WeirAdmin ann = WeirAdmin.builder().uri(server.uri().replace("http://", "http://ann:ann%27s%20pw@")).build();
      assertThat(ann.uri().toString()).doesNotContain("ann");
      assertThat(ann.whoami()).containsEntry("name", "ann");
      assertThat(ann.queueDeclare("/", "ann.q", true, false, Map.of()).queue()).isEqualTo("ann.q");
      assertThatThrownBy(() -> ann.queueDeclare("/", "bob.q", true, false, Map.of()))
          .isInstanceOfSatisfying(WeirClientException.class, e -> {
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.reason()).isEqualTo("configure access to queue 'bob.q' in vhost '/' refused for user 'ann'");
          });

      WeirAdmin wrong = WeirAdmin.builder().uri(server.uri()).credentials("ann", "nope").build();
      assertThatThrownBy(wrong::whoami).isInstanceOfSatisfying(WeirClientException.class,
          e -> assertThat(e.status()).isEqualTo(401));

      ConnectionFactory factory = new ConnectionFactory().setUri(server.uri()).setUsername("ann").setPassword("ann's pw");
      try (Connection connection = factory.newConnection()) {
        Channel channel = connection.createChannel();
        channel.confirmSelect();
        // Write on the default exchange ("") is not within ^ann\., so that publish is refused (nacked).
        channel.basicPublish("", "ann.q", BasicProperties.PERSISTENT, "no".getBytes(UTF_8));
        assertThatThrownBy(() -> channel.waitForConfirmsOrDie(10_000)).isInstanceOf(WeirClientException.class);
        Channel allowed = connection.createChannel();
        allowed.confirmSelect();
        allowed.exchangeDeclare("ann.x", "direct");
        allowed.queueBind("ann.q", "ann.x", "k");
        allowed.basicPublish("ann.x", "k", BasicProperties.PERSISTENT, "hi".getBytes(UTF_8));
        allowed.waitForConfirmsOrDie(10_000);
        assertThat(new String(allowed.basicGet("ann.q", true).body(), UTF_8)).isEqualTo("hi");
      }
      ConnectionFactory bad = new ConnectionFactory().setUri(server.uri().replace("http://", "ws://ann:nope@"));
      assertThatThrownBy(bad::newConnection).isInstanceOfSatisfying(WeirClientException.class, e -> {
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.error()).isEqualTo("not_authorized");
      });
      // A vhost the user has no permissions on: refused at the upgrade.
      guest.vhostPut("elsewhere");
      ConnectionFactory elsewhere = new ConnectionFactory().setUri(server.uri()).setUsername("ann")
          .setPassword("ann's pw").setVirtualHost("elsewhere");
      assertThatThrownBy(elsewhere::newConnection).isInstanceOfSatisfying(WeirClientException.class,
          e -> assertThat(e.status()).isEqualTo(403));
    }
  }

  @Test
  void httpsAndWssWithACertificateMadeAtTestTime() throws Exception {
    Path keystore = dir.resolve("node.p12");
    String password = "test-keystore-pw";
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "weir", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", password, "-keypass", password)
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    String config = "weir.http.tls { enabled = on, keystore-path = \"" + keystore.toString().replace("\\", "/")
        + "\", keystore-password = \"" + password + "\" }";
    try (WeirTestServer server = WeirTestServer.start(dir.resolve("data"), config)) {
      assertThat(server.uri()).startsWith("https://");
      SSLContext trusting = trusting(keystore, password);

      WeirAdmin admin = WeirAdmin.builder().uri(server.uri()).sslContext(trusting).build();
      assertThat(admin.whoami()).containsEntry("name", "guest");
      admin.queueDeclare("/", "secure", true, false, Map.of());

      ConnectionFactory factory = new ConnectionFactory().setUri(server.uri().replace("https://", "wss://"))
          .useSslProtocol(trusting);
      assertThat(factory.uri().getScheme()).isEqualTo("wss");
      try (Connection connection = factory.newConnection()) {
        Channel channel = connection.createChannel();
        channel.confirmSelect();
        channel.basicPublish("", "secure", BasicProperties.PERSISTENT, "over tls".getBytes(UTF_8));
        channel.waitForConfirmsOrDie(10_000);
        assertThat(new String(channel.basicGet("secure", true).body(), UTF_8)).isEqualTo("over tls");
      }

      // Without trusting the certificate, the handshake fails: nothing is sent in the clear.
      WeirAdmin untrusting = WeirAdmin.builder().uri(server.uri()).build();
      assertThatThrownBy(untrusting::whoami).isInstanceOf(WeirConnectionException.class);
      WeirAdmin plain = WeirAdmin.builder().uri(server.uri().replace("https://", "http://"))
          .requestTimeout(java.time.Duration.ofSeconds(10)).build();
      assertThatThrownBy(plain::whoami).isInstanceOf(WeirConnectionException.class);
    }
  }

  /** A client context that trusts exactly the node's certificate. */
  private static SSLContext trusting(Path keystore, String password) throws Exception {
    KeyStore node = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      node.load(in, password.toCharArray());
    }
    Certificate certificate = node.getCertificate("weir");
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("weir-node", certificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
