package io.weirmq.http;

import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Allow;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MalformedQueryParamRejection;
import akka.http.javadsl.server.MalformedRequestContentRejection;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.MissingQueryParamRejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.RequestEntityExpectedRejection;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.server.UnsupportedRequestContentTypeRejection;
import akka.http.javadsl.server.ValidationRejection;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.http.javadsl.model.HttpEntity;
import io.weirmq.core.model.BrokerException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error the HTTP API gives, as {@code {"error": ..., "reason": ...}} with a status that tells
 * the truth. The reason names the field at fault; no stack trace or request body ever leaves.
 *
 * <p>Broker refusals map by kind: INVALID_ARGUMENT 400, NOT_FOUND 404, ACCESS_REFUSED 403,
 * PRECONDITION_FAILED 409 (RabbitMQ answers 400 here; 409 says the request conflicts with what
 * exists), RESOURCE_LOCKED 423 (WebDAV's Locked: another connection holds it), UNAVAILABLE 503.
 */
final class ApiErrors extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  private final Json json;

  ApiErrors(Json json) {
    this.json = json;
  }

  static Map<String, Object> body(String error, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("reason", reason);
    return body;
  }

  Route error(StatusCode status, String error, String reason) {
    return complete(json.response(status, body(error, reason)));
  }

  HttpResponse errorResponse(StatusCode status, String error, String reason) {
    return json.response(status, body(error, reason));
  }

  Route brokerError(BrokerException e) {
    return switch (e.kind()) {
      case INVALID_ARGUMENT -> error(StatusCodes.BAD_REQUEST, "bad_request", e.getMessage());
      case NOT_FOUND -> error(StatusCodes.NOT_FOUND, "not_found", e.getMessage());
      case ACCESS_REFUSED -> error(StatusCodes.FORBIDDEN, "access_refused", e.getMessage());
      case PRECONDITION_FAILED -> error(StatusCodes.CONFLICT, "precondition_failed", e.getMessage());
      case RESOURCE_LOCKED -> error(StatusCodes.LOCKED, "resource_locked", e.getMessage());
      case UNAVAILABLE -> error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
    };
  }

  ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .matchAny(failure -> {
          Throwable cause = unwrap(failure);
          if (cause instanceof BrokerException e) {
            return brokerError(e);
          }
          return extractRequest(request -> {
            // The method and path only: bodies may hold message contents and stay out of logs.
            log.error("Unexpected failure answering {} {}", request.method().name(), request.getUri().path(), cause);
            return error(StatusCodes.INTERNAL_SERVER_ERROR, "internal_error",
                "the server failed unexpectedly; the failure is logged");
          });
        })
        .build();
  }

  RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, r -> {
          Throwable cause = unwrap(r.getCause());
          if (cause instanceof EntityStreamSizeException size) {
            return error(StatusCodes.PAYLOAD_TOO_LARGE, "payload_too_large", "body: larger than the limit of "
                + size.limit() + " bytes (weir.http.max-message-bytes)");
          }
          if (cause instanceof BrokerException e) {
            return brokerError(e);
          }
          return error(StatusCodes.BAD_REQUEST, "bad_request", "body: " + r.message());
        })
        .handle(UnsupportedRequestContentTypeRejection.class, r -> extractRequest(request ->
            error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                "content-type: must be application/json, got " + request.entity().getContentType())))
        .handle(RequestEntityExpectedRejection.class, r -> error(StatusCodes.BAD_REQUEST, "bad_request",
            "body: a JSON body is required"))
        .handle(ValidationRejection.class, r -> r.getCause().map(ApiErrors::unwrap)
            .filter(BrokerException.class::isInstance).map(c -> brokerError((BrokerException) c))
            .orElseGet(() -> error(StatusCodes.BAD_REQUEST, "bad_request", r.message())))
        .handle(MissingQueryParamRejection.class, r -> error(StatusCodes.BAD_REQUEST, "bad_request",
            r.parameterName() + ": query parameter required"))
        .handle(MalformedQueryParamRejection.class, r -> error(StatusCodes.BAD_REQUEST, "bad_request",
            r.parameterName() + ": " + r.errorMsg()))
        .handleAll(MethodRejection.class, rs -> {
          Set<HttpMethod> allowed = new LinkedHashSet<>();
          rs.forEach(r -> allowed.add(r.supported()));
          String names = allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
          return respondWithHeader(Allow.create(allowed.toArray(HttpMethod[]::new)), () ->
              error(StatusCodes.METHOD_NOT_ALLOWED, "method_not_allowed", "method: this path allows " + names));
        })
        .handleNotFound(extractUnmatchedPath(path ->
            error(StatusCodes.NOT_FOUND, "not_found", "path: no such endpoint")))
        .build()
        // Anything not handled above keeps Akka's status, with its text wrapped in our JSON.
        .withFallback(RejectionHandler.defaultHandler().mapRejectionResponse(this::asJson));
  }

  /** Rewrites a plain-text error response (Akka's defaults) as our JSON error. */
  HttpResponse asJson(HttpResponse response) {
    if (response.entity().getContentType().mediaType().equals(akka.http.javadsl.model.MediaTypes.APPLICATION_JSON)) {
      return response;
    }
    String text = response.entity() instanceof HttpEntity.Strict s
        ? s.getData().decodeString(StandardCharsets.UTF_8) : response.status().reason();
    StatusCode status = response.status();
    String error = status.reason().toLowerCase(java.util.Locale.ROOT).replace(' ', '_');
    return json.response(status, body(error, text)).withHeaders(List.copyOf(
        java.util.stream.StreamSupport.stream(response.getHeaders().spliterator(), false).toList()));
  }

  static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
