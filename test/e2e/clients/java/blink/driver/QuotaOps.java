package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.AlterClientQuotasResult;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

/**
 * Client quotas through the Admin client (DescribeClientQuotas, AlterClientQuotas). An entity
 * is a JSON object {"user": name | null, "client-id": name | null}: a key present with null is
 * the default entity of that type.
 */
public final class QuotaOps {
  private QuotaOps() {}

  /**
   * {alterations: [{entity, ops: [{key, value | null}]}], validate_only} →
   * {results: [{entity, error: null | "ExceptionClass: message"}]} (value null removes the key).
   */
  public static Object alterClientQuotas(Command command) throws Exception {
    List<ClientQuotaAlteration> alterations = new ArrayList<>();
    for (JsonNode alteration : command.get("alterations")) {
      List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
      for (JsonNode op : alteration.get("ops")) {
        ops.add(new ClientQuotaAlteration.Op(op.get("key").asText(), op.hasNonNull("value") ? op.get("value").asDouble() : null));
      }
      alterations.add(new ClientQuotaAlteration(entity(alteration.get("entity")), ops));
    }
    try (Admin admin = Clients.admin(command)) {
      AlterClientQuotasResult result = admin.alterClientQuotas(alterations, new AlterClientQuotasOptions().validateOnly(command.bool("validate_only", false)));
      List<Map<String, Object>> results = new ArrayList<>();
      for (ClientQuotaAlteration alteration : alterations) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("entity", alteration.entity().entries());
        answer.put("error", errorOf(result.values().get(alteration.entity()), command));
        results.add(answer);
      }
      return Map.of("results", results);
    }
  }

  /**
   * {components: [{entity_type, match: name} | {entity_type, default: true} | {entity_type}], strict} →
   * {entries: [{entity, values: {key: value}}]}.
   */
  public static Object describeClientQuotas(Command command) throws Exception {
    List<ClientQuotaFilterComponent> components = new ArrayList<>();
    for (JsonNode component : command.get("components")) {
      String type = component.get("entity_type").asText();
      if (component.hasNonNull("match")) components.add(ClientQuotaFilterComponent.ofEntity(type, component.get("match").asText()));
      else if (component.path("default").asBoolean(false)) components.add(ClientQuotaFilterComponent.ofDefaultEntity(type));
      else components.add(ClientQuotaFilterComponent.ofEntityType(type));
    }
    ClientQuotaFilter filter = command.bool("strict", false) ? ClientQuotaFilter.containsOnly(components) : ClientQuotaFilter.contains(components);
    try (Admin admin = Clients.admin(command)) {
      Map<ClientQuotaEntity, Map<String, Double>> found = admin.describeClientQuotas(filter).entities().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      List<Map<String, Object>> entries = new ArrayList<>();
      found.forEach((entity, values) -> {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("entity", entity.entries());
        entry.put("values", values);
        entries.add(entry);
      });
      return Map.of("entries", entries);
    }
  }

  private static ClientQuotaEntity entity(JsonNode node) {
    Map<String, String> parts = new LinkedHashMap<>();
    node.fields().forEachRemaining(field -> parts.put(field.getKey(), field.getValue().isNull() ? null : field.getValue().asText()));
    return new ClientQuotaEntity(parts);
  }

  private static String errorOf(KafkaFuture<Void> future, Command command) throws Exception {
    try {
      future.get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
    }
  }
}
