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
      Map.entry("describe_cluster", ClusterOps::describeCluster),
      Map.entry("describe_log_dirs", ClusterOps::describeLogDirs),
      Map.entry("describe_features", ClusterOps::describeFeatures),
      Map.entry("update_features", ClusterOps::updateFeatures),
      Map.entry("describe_metadata_quorum", ClusterOps::describeMetadataQuorum),
      Map.entry("unregister_broker", ClusterOps::unregisterBroker),
      Map.entry("describe_topics", PartitionOps::describeTopics),
      Map.entry("elect_leaders", PartitionOps::electLeaders),
      Map.entry("alter_partition_reassignments", PartitionOps::alterPartitionReassignments),
      Map.entry("list_partition_reassignments", PartitionOps::listPartitionReassignments),
      Map.entry("describe_producers", PartitionOps::describeProducers),
      Map.entry("txn_run", TxnOps::run),
      Map.entry("txn_consume", TxnOps::consume),
      Map.entry("txn_read_all", TxnOps::readAll),
      Map.entry("txn_copy", TxnOps::copy),
      Map.entry("txn_zombie", TxnOps::zombie),
      Map.entry("txn_abandon", TxnOps::abandon),
      Map.entry("alter_client_quotas", QuotaOps::alterClientQuotas),
      Map.entry("describe_client_quotas", QuotaOps::describeClientQuotas),
      Map.entry("produce_for", RateOps::produceFor),
      Map.entry("consume_for", RateOps::consumeFor),
      Map.entry("produce_slowly", RateOps::produceSlowly),
      Map.entry("incremental_alter_configs", ConfigOps::incrementalAlterConfigs),
      Map.entry("create_acls", AclOps::createAcls),
      Map.entry("describe_acls", AclOps::describeAcls),
      Map.entry("delete_acls", AclOps::deleteAcls),
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
