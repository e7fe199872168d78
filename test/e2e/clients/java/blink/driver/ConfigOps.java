package blink.driver;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/** Resource configuration through the Admin client (DescribeConfigs). */
public final class ConfigOps {
  private ConfigOps() {}

  /**
   * {resource_type: "topic" | "client_metrics" | …, name, set: {config: value}, delete: [config]} → {}
   * (IncrementalAlterConfigs: SET and DELETE operations).
   */
  public static Object incrementalAlterConfigs(Command command) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.valueOf(command.str("resource_type").toUpperCase(java.util.Locale.ROOT)), command.str("name"));
    List<AlterConfigOp> ops = new java.util.ArrayList<>();
    command.get("set").fields().forEachRemaining(field -> ops.add(new AlterConfigOp(new ConfigEntry(field.getKey(), field.getValue().asText()), AlterConfigOp.OpType.SET)));
    if (command.has("delete")) for (String name : command.strings("delete")) ops.add(new AlterConfigOp(new ConfigEntry(name, ""), AlterConfigOp.OpType.DELETE));
    try (Admin admin = Clients.admin(command)) {
      admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      return Map.of();
    }
  }

  /**
   * {resource_type: "topic" | "broker", name, dynamic_only?: false} → {configs: {name: value}}
   * (dynamic_only: only the values set on the resource itself, as kafka-configs --describe shows).
   */
  public static Object describeConfigs(Command command) throws Exception {
    ConfigResource.Type type = ConfigResource.Type.valueOf(command.str("resource_type").toUpperCase(java.util.Locale.ROOT));
    ConfigResource resource = new ConfigResource(type, command.str("name"));
    boolean dynamicOnly = command.bool("dynamic_only", false);
    try (Admin admin = Clients.admin(command)) {
      Config config = admin.describeConfigs(List.of(resource)).all().get(command.timeoutMs(), TimeUnit.MILLISECONDS).get(resource);
      Map<String, String> configs = new TreeMap<>();
      for (ConfigEntry entry : config.entries()) {
        if (dynamicOnly && !entry.source().name().startsWith("DYNAMIC_")) continue;
        configs.put(entry.name(), entry.value());
      }
      return Map.of("configs", configs);
    }
  }
}
