package io.weirmq.client;

/** No answer from the broker: it could not be reached, the connection broke, or it did not answer in time. */
public class WeirConnectionException extends WeirClientException {

  public WeirConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
