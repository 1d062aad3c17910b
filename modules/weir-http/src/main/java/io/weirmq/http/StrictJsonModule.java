package io.weirmq.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * Makes the HTTP API's ObjectMapper refuse a number or boolean where a string is expected. Jackson
 * 2.13 turns {@code "routing_key": 7} into "7" whatever the coercion settings say (configurable only
 * from 2.14), and a client that sends the wrong type should hear so. Registered for the
 * {@code weir-http} binding only, in reference.conf.
 */
public final class StrictJsonModule extends SimpleModule {

  public StrictJsonModule() {
    super("WeirStrictJsonModule");
    addDeserializer(String.class, new StrictStringDeserializer());
  }

  private static final class StrictStringDeserializer extends StdScalarDeserializer<String> {

    StrictStringDeserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.hasToken(JsonToken.VALUE_STRING)) {
        return p.getText();
      }
      return (String) ctxt.handleUnexpectedToken(String.class, p);
    }
  }
}
