package io.weirmq.node.serialization;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.UntypedObjectDeserializer;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.weirmq.core.model.BrokerException;
import io.weirmq.core.routing.TopologyEvent;
import io.weirmq.node.registry.TopologyChange;

/**
 * What our types need from the jackson-cbor serializer beyond Akka's defaults; registered through
 * {@code akka.serialization.jackson.jackson-modules} in reference.conf.
 */
public final class WeirJacksonModule extends SimpleModule {

  public WeirJacksonModule() {
    super("WeirJacksonModule");
    // Field-table values (headers, arguments) are typed Object. Akka also registers
    // jackson-module-scala, whose deserializer for Object turns arrays into Scala lists and objects
    // into Scala maps, which FieldValues rightly refuses: a message with a list-valued header
    // (x-death among them) could not be read back from the journal. A modifier rather than a plain
    // deserializer, so the outcome does not depend on the order in which modules are registered.
    setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription description,
          JsonDeserializer<?> deserializer) {
        return description.getType().hasRawClass(Object.class) ? UntypedObjectDeserializer.Vanilla.std : deserializer;
      }
    });
    // Names for the members of the sealed families that travel inside other messages (a Change
    // holds a TopologyChange, a Changed or Changes a list of TopologyEvent) and are marked there
    // with @JsonTypeInfo(use = NAME). Taken from the permitted subclasses, so none is forgotten.
    registerSubtypesOf(TopologyEvent.class);
    registerSubtypesOf(TopologyChange.class);
    // A mirror's Replicate carries a list of QueueEvent.
    registerSubtypesOf(io.weirmq.core.queue.QueueEvent.class);
    // Entities answer refusals with StatusReply.error(BrokerException); when the asker is on another
    // node the exception must arrive with its kind and field, which protocols turn into codes.
    setMixInAnnotation(BrokerException.class, BrokerExceptionMixin.class);
  }

  /** A BrokerException on the wire: kind, field and reason; never a stack trace or a cause. */
  @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  @JsonIgnoreProperties(value = {"cause", "stackTrace", "message", "localizedMessage", "suppressed"}, ignoreUnknown = true)
  abstract static class BrokerExceptionMixin {
    @JsonCreator
    BrokerExceptionMixin(@JsonProperty("kind") BrokerException.Kind kind, @JsonProperty("field") String field,
        @JsonProperty("reason") String reason) {}

    @JsonProperty("kind")
    abstract BrokerException.Kind kind();

    @JsonProperty("field")
    abstract String field();

    @JsonProperty("reason")
    abstract String reason();
  }

  private void registerSubtypesOf(Class<?> sealed) {
    for (Class<?> subtype : sealed.getPermittedSubclasses()) {
      registerSubtypes(new NamedType(subtype, subtype.getSimpleName()));
    }
  }
}
