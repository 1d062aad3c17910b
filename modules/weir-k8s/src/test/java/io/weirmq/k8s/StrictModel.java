package io.weirmq.k8s;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads rendered manifests into the fabric8 Kubernetes model as strictly as the API server reads
 * them: a kind or apiVersion the model does not know, a field it does not have, or a value of the
 * wrong type (a number where a string belongs, or the reverse) is an error, not a silent default.
 */
final class StrictModel {

  /** Every kind the overlays may render, with its model class; a new kind must be added here. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("Namespace", Namespace.class),
      Map.entry("ServiceAccount", ServiceAccount.class),
      Map.entry("ConfigMap", ConfigMap.class),
      Map.entry("Secret", Secret.class),
      Map.entry("Service", Service.class),
      Map.entry("StatefulSet", StatefulSet.class),
      Map.entry("Job", Job.class),
      Map.entry("Role", Role.class),
      Map.entry("RoleBinding", RoleBinding.class),
      Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("NetworkPolicy", NetworkPolicy.class));

  private static final YAMLMapper MAPPER = strictMapper();

  private StrictModel() {}

  private static YAMLMapper strictMapper() {
    YAMLMapper mapper = new YAMLMapper();
    mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
        DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS, DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    // Go's JSON decoding in the API server converts nothing: "3" is no int32, 3 is no string.
    for (LogicalType type : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float,
        CoercionInputShape.Boolean}) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
    }
    return mapper;
  }

  /** The objects of a multi-document YAML stream, in order; throws with every problem found. */
  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try (MappingIterator<JsonNode> documents = MAPPER.readerFor(JsonNode.class).readValues(yaml)) {
      int index = 0;
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        index++;
        if (document == null || document.isNull() || document.isEmpty()) {
          continue;
        }
        String kind = document.path("kind").asText();
        String where = "document " + index + " (" + kind + " " + document.path("metadata").path("name").asText() + ")";
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
          problems.add(where + ": kind '" + kind + "' is not one this check knows; add its model class to StrictModel.KINDS");
          continue;
        }
        String apiVersion = HasMetadata.getApiVersion(type);
        if (!apiVersion.equals(document.path("apiVersion").asText())) {
          problems.add(where + ": apiVersion '" + document.path("apiVersion").asText() + "', the API serves " + kind
              + " as '" + apiVersion + "'");
          continue;
        }
        HasMetadata object;
        try {
          object = MAPPER.treeToValue(document, type);
        } catch (JsonProcessingException e) {
          problems.add(where + ": " + e.getOriginalMessage() + " at " + e.getLocation());
          continue;
        }
        unknownFields(object, kind + " " + object.getMetadata().getName(), problems,
            Collections.newSetFromMap(new IdentityHashMap<>()));
        objects.add(object);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a YAML stream of objects: " + e.getMessage(), e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("the Kubernetes model rejects the rendered objects:\n  "
          + String.join("\n  ", problems));
    }
    return objects;
  }

  /**
   * The model keeps fields it does not know in additionalProperties instead of failing (so that
   * clients survive newer servers); here every such field anywhere in an object is an error.
   */
  static void unknownFields(Object value, String path, List<String> problems, Set<Object> seen) {
    if (value == null || !seen.add(value)) {
      return;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(list.get(i), path + "[" + i + "]", problems, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", problems, seen));
      return;
    }
    if (!value.getClass().getPackageName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        Object fieldValue;
        try {
          field.setAccessible(true);
          fieldValue = field.get(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new IllegalStateException("cannot read " + c.getName() + "." + field.getName(), e);
        }
        if (field.getName().equals("additionalProperties")) {
          if (fieldValue instanceof Map<?, ?> extra && !extra.isEmpty()) {
            problems.add(path + ": unknown field(s) " + extra.keySet());
          }
          continue;
        }
        JsonProperty property = field.getAnnotation(JsonProperty.class);
        if (property != null) {
          unknownFields(fieldValue, path + "." + property.value(), problems, seen);
        }
      }
    }
  }
}
