package blink.driver;

import java.util.Map;

/**
 * The dispatch table: op name → implementation. To add an op, write a static method
 * `Object name(Command)` (in the class of its kind, or a new one) and add one line here.
 * "group_member" is not here: it turns the process into a streaming group member (see Driver).
 */
public final class Ops {
  private Ops() {}

  public static final Map<String, Op> TABLE = Map.ofEntries(
      Map.entry("metadata", TopicOps::metadata),
      Map.entry("create_topic", TopicOps::createTopic),
      Map.entry("delete_topic", TopicOps::deleteTopic),
      Map.entry("produce", ProduceOp::run),
      Map.entry("consume", ConsumeOp::run),
      Map.entry("list_offsets", OffsetOps::listOffsets),
      Map.entry("offsets_for_times", OffsetOps::offsetsForTimes),
      Map.entry("list_groups", GroupOps::listGroups),
      Map.entry("describe_group", GroupOps::describeGroup),
      Map.entry("delete_groups", GroupOps::deleteGroups),
      Map.entry("committed_offsets", GroupOps::committedOffsets),
      Map.entry("commit_offsets", GroupOps::commitOffsets),
      Map.entry("describe_configs", ConfigOps::describeConfigs),
      Map.entry("alter_client_quotas", QuotaOps::alterClientQuotas),
      Map.entry("describe_client_quotas", QuotaOps::describeClientQuotas),
      Map.entry("produce_for", RateOps::produceFor),
      Map.entry("consume_for", RateOps::consumeFor),
      Map.entry("produce_slowly", RateOps::produceSlowly),
      Map.entry("incremental_alter_configs", ConfigOps::incrementalAlterConfigs),
      Map.entry("version", Ops::version));

  /** {} → {kafka_clients: "4.4.0"}: the kafka-clients version on the classpath. */
  public static Object version(Command command) throws java.io.IOException {
    java.util.Properties props = new java.util.Properties();
    try (java.io.InputStream in = org.apache.kafka.clients.admin.Admin.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      if (in != null) props.load(in);
    }
    return Map.of("kafka_clients", props.getProperty("version", "unknown"));
  }
}
