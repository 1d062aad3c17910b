package io.weirmq.client;

/**
 * The broker refused a call: its HTTP status and the API's {@code {"error", "reason"}}, whose reason
 * starts with the field at fault (see docs/protocol.md).
 */
public class WeirClientException extends RuntimeException {

  private final int status;
  private final String error;
  private final String reason;

  public WeirClientException(int status, String error, String reason) {
    super(status + " " + error + ": " + reason);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }

  protected WeirClientException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.error = "unreachable";
    this.reason = message;
  }

  /**
   * The HTTP status over REST; over WebSocket the AMQP reply code of the {@code error} frame (404, 405,
   * 406...); 0 when no answer came (see {@link WeirConnectionException}).
   */
  public int status() {
    return status;
  }

  /** The same as {@link #status()}: the name that reads better for WebSocket (AMQP) codes. */
  public int code() {
    return status;
  }

  /** The error code, such as {@code not_found} or {@code precondition_failed}. */
  public String error() {
    return error;
  }

  /** Why, starting with the field at fault: {@code "durable: queue 'q' in vhost '/' exists with durable=true; ..."}. */
  public String reason() {
    return reason;
  }
}
