package io.weirmq.http;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.weirmq.core.model.BrokerException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * JSON in and out of the HTTP API, with the one ObjectMapper Akka's provider configures for the
 * {@code weir-http} binding (strict: see reference.conf).
 */
final class Json {

  static final String BINDING = "weir-http";

  private final ObjectMapper mapper;

  Json(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The mapper itself, for the WebSocket protocol's frames (same strictness as request bodies). */
  ObjectMapper mapper() {
    return mapper;
  }

  static Json of(ActorSystem<?> system) {
    return new Json(JacksonObjectMapperProvider.get(system).getOrCreate(BINDING, Optional.empty()));
  }

  HttpResponse response(StatusCode status, Object body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a response as JSON", e);
    }
  }

  /**
   * Reads a request body of {@code type}. A body that is not {@code application/json} is refused
   * by Akka with a 415; one that does not fit {@code type} fails with INVALID_ARGUMENT naming the
   * field (a path such as {@code messages[2].payload}).
   */
  <T> Unmarshaller<HttpEntity, T> unmarshaller(Class<T> type) {
    return Unmarshaller.forMediaType(MediaTypes.APPLICATION_JSON, Unmarshaller.entityToByteString())
        .thenApply(bytes -> read(bytes.toArray(), type));
  }

  <T> T read(byte[] bytes, Class<T> type) {
    try {
      T value = mapper.readerFor(type).readValue(bytes);
      if (value == null) {
        throw BrokerException.invalid("body", "must be a JSON object, got null");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw describe(e);
    } catch (IOException e) {
      throw BrokerException.invalid("body", "unreadable: " + e.getMessage());
    }
  }

  /** Turns Jackson's complaint into a reason a client can act on, never echoing the body. */
  static BrokerException describe(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream().map(Object::toString)
          .sorted().collect(Collectors.joining(", "));
      return BrokerException.invalid(path(u.getPath()), "unknown field (known fields: " + known + ")");
    }
    if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
      return BrokerException.invalid(path(m.getPath()), "must be " + describe(m.getTargetType()));
    }
    if (e instanceof MismatchedInputException m) {
      return BrokerException.invalid("body", "must be " + describe(m.getTargetType()));
    }
    if (e instanceof JsonParseException p && p.getLocation() != null) {
      return BrokerException.invalid("body", "malformed JSON at line " + p.getLocation().getLineNr() + ", column "
          + p.getLocation().getColumnNr() + ": " + p.getOriginalMessage());
    }
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      return BrokerException.invalid(path(m.getPath()), "invalid value: " + m.getOriginalMessage());
    }
    return BrokerException.invalid("body", "malformed JSON: " + e.getOriginalMessage());
  }

  private static String path(List<JsonMappingException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "body" : sb.toString();
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean (true or false)";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a JSON object";
    }
    if (List.class.isAssignableFrom(type) || type.isArray()) {
      return "a JSON array";
    }
    return "a " + type.getSimpleName();
  }
}
