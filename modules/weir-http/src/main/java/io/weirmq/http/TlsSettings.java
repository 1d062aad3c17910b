package io.weirmq.http;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * {@code weir.http.tls}: HTTPS and WSS on the API's port from a key store holding the node's key
 * and certificate chain. The password never appears in {@link #toString()} or in errors.
 */
public record TlsSettings(boolean enabled, String keystorePath, String keystorePassword, String keystoreType) {

  public static TlsSettings from(Config config) {
    Config c = config.getConfig("weir.http.tls");
    return new TlsSettings(c.getBoolean("enabled"), c.getString("keystore-path"), c.getString("keystore-password"),
        c.getString("keystore-type"));
  }

  /** The server's TLS context; every problem names the setting at fault. */
  public SSLContext sslContext() {
    if (keystorePath.isEmpty()) {
      throw new IllegalArgumentException("weir.http.tls.keystore-path: required when weir.http.tls.enabled is on");
    }
    Path path = Path.of(keystorePath);
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException("weir.http.tls.keystore-path: cannot read " + path.toAbsolutePath());
    }
    char[] password = keystorePassword.toCharArray();
    KeyStore store;
    try {
      store = KeyStore.getInstance(keystoreType);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("weir.http.tls.keystore-type: unknown key store type \"" + keystoreType + "\"");
    }
    try (InputStream in = Files.newInputStream(path)) {
      store.load(in, password);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("weir.http.tls: cannot open " + path.toAbsolutePath() + " as a " + keystoreType
          + " key store (wrong weir.http.tls.keystore-password or type?): " + e.getMessage());
    }
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("weir.http.tls: the key store " + path.toAbsolutePath()
          + " holds no usable key (its key password must be weir.http.tls.keystore-password): " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "TlsSettings[enabled " + enabled + ", " + keystoreType + " " + keystorePath + "]";
  }
}
