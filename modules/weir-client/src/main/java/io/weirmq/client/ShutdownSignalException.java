package io.weirmq.client;

/** Why a {@link Connection} ended: the application closed it, the broker closed it (code and reason), or the socket broke. */
public class ShutdownSignalException extends WeirConnectionException {

  private final boolean initiatedByApplication;
  private final int code;
  private final String closeReason;

  public ShutdownSignalException(boolean initiatedByApplication, int code, String reason, Throwable cause) {
    super((initiatedByApplication ? "closed by the application" : "connection ended") + ": " + code + " " + reason, cause);
    this.initiatedByApplication = initiatedByApplication;
    this.code = code;
    this.closeReason = reason;
  }

  public boolean isInitiatedByApplication() {
    return initiatedByApplication;
  }

  /** The close code: 200 for a normal close, the broker's {@code connection.close} code, or 0 when the socket broke. */
  @Override
  public int code() {
    return code;
  }

  @Override
  public String reason() {
    return closeReason;
  }
}
