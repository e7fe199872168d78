package blink.driver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Partitions through the Admin client: describe_topics (DescribeTopicPartitions from 3.8),
 * elect_leaders, alter_partition_reassignments, list_partition_reassignments,
 * describe_producers. Partitions are named "topic-partition".
 */
public final class PartitionOps {
  private PartitionOps() {}

  private static TopicPartition partition(JsonNode pair) {
    return new TopicPartition(pair.get(0).asText(), pair.get(1).asInt());
  }

  /**
   * {topics, include_authorized_operations?, partition_limit?} →
   * {topics: {name: {id, internal, partitions: [{partition, leader, replicas, isr, elr, last_known_elr}], authorized_operations}}, errors: {name: error}}
   */
  public static Object describeTopics(Command command) throws Exception {
    DescribeTopicsOptions options = new DescribeTopicsOptions()
        .includeAuthorizedOperations(command.bool("include_authorized_operations", false))
        .partitionSizeLimitPerResponse(command.integer("partition_limit", 2000));
    try (Admin admin = Clients.admin(command)) {
      Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(command.strings("topics"), options).topicNameValues();
      Map<String, Object> topics = new TreeMap<>();
      Map<String, Object> errors = new TreeMap<>();
      for (Map.Entry<String, KafkaFuture<TopicDescription>> entry : futures.entrySet()) {
        String error = ClusterOps.outcome(entry.getValue(), command.timeoutMs());
        if (error != null) errors.put(entry.getKey(), error);
        else topics.put(entry.getKey(), topic(entry.getValue().get()));
      }
      return Map.of("topics", topics, "errors", errors);
    }
  }

  private static Map<String, Object> topic(TopicDescription description) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", description.topicId().toString());
    out.put("internal", description.isInternal());
    out.put("partitions", description.partitions().stream().map(PartitionOps::partitionInfo).toList());
    var operations = description.authorizedOperations();
    out.put("authorized_operations", operations == null ? null : operations.stream().map(Object::toString).sorted().toList());
    return out;
  }

  private static Map<String, Object> partitionInfo(TopicPartitionInfo info) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("partition", info.partition());
    out.put("leader", info.leader() == null ? null : info.leader().id());
    out.put("replicas", info.replicas().stream().map(Node::id).toList());
    out.put("isr", info.isr().stream().map(Node::id).toList());
    out.put("elr", info.elr().stream().map(Node::id).toList());
    out.put("last_known_elr", info.lastKnownElr().stream().map(Node::id).toList());
    return out;
  }

  /** {election?: "PREFERRED" | "UNCLEAN", partitions: [[topic, p], ...] | null} → {results: {"topic-p": null | error}} */
  public static Object electLeaders(Command command) throws Exception {
    ElectionType type = ElectionType.valueOf(command.str("election", "PREFERRED"));
    Set<TopicPartition> partitions = null;
    if (command.has("partitions")) {
      partitions = new HashSet<>();
      for (JsonNode pair : command.get("partitions")) partitions.add(partition(pair));
    }
    try (Admin admin = Clients.admin(command)) {
      Map<TopicPartition, Optional<Throwable>> elected = admin.electLeaders(type, partitions).partitions().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      Map<String, Object> results = new TreeMap<>();
      elected.forEach((tp, error) -> results.put(tp.toString(), error.map(ClusterOps::failure).orElse(null)));
      return Map.of("results", results);
    }
  }

  /** {reassignments: [{topic, partition, replicas: [ids] | null}]} → {results: {"topic-p": null | error}} */
  public static Object alterPartitionReassignments(Command command) throws Exception {
    Map<TopicPartition, Optional<NewPartitionReassignment>> wanted = new HashMap<>();
    for (JsonNode item : command.get("reassignments")) {
      TopicPartition tp = new TopicPartition(item.get("topic").asText(), item.get("partition").asInt());
      JsonNode replicas = item.get("replicas");
      if (replicas == null || replicas.isNull()) {
        wanted.put(tp, Optional.empty());
      } else {
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : replicas) ids.add(id.asInt());
        wanted.put(tp, Optional.of(new NewPartitionReassignment(ids)));
      }
    }
    try (Admin admin = Clients.admin(command)) {
      Map<TopicPartition, KafkaFuture<Void>> values = admin.alterPartitionReassignments(wanted).values();
      Map<String, Object> results = new TreeMap<>();
      for (Map.Entry<TopicPartition, KafkaFuture<Void>> entry : values.entrySet()) results.put(entry.getKey().toString(), ClusterOps.outcome(entry.getValue(), command.timeoutMs()));
      return Map.of("results", results);
    }
  }

  /** {} → {reassignments: {"topic-p": {replicas, adding, removing}}} */
  public static Object listPartitionReassignments(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      Map<TopicPartition, PartitionReassignment> listed = admin.listPartitionReassignments().reassignments().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      Map<String, Object> out = new TreeMap<>();
      listed.forEach((tp, r) -> out.put(tp.toString(), Map.of("replicas", r.replicas(), "adding", r.addingReplicas(), "removing", r.removingReplicas())));
      return Map.of("reassignments", out);
    }
  }

  /** {topic, partition} → {producers: [{producer_id, producer_epoch, last_sequence, last_timestamp, coordinator_epoch, current_txn_start_offset}]} */
  public static Object describeProducers(Command command) throws Exception {
    TopicPartition tp = new TopicPartition(command.str("topic"), command.integer("partition"));
    try (Admin admin = Clients.admin(command)) {
      List<ProducerState> states = admin.describeProducers(List.of(tp)).partitionResult(tp).get(command.timeoutMs(), TimeUnit.MILLISECONDS).activeProducers();
      List<Map<String, Object>> producers = new ArrayList<>();
      for (ProducerState state : states) {
        Map<String, Object> producer = new LinkedHashMap<>();
        producer.put("producer_id", state.producerId());
        producer.put("producer_epoch", state.producerEpoch());
        producer.put("last_sequence", state.lastSequence());
        producer.put("last_timestamp", state.lastTimestamp());
        producer.put("coordinator_epoch", state.coordinatorEpoch().isPresent() ? state.coordinatorEpoch().getAsInt() : null);
        producer.put("current_txn_start_offset", state.currentTransactionStartOffset().isPresent() ? state.currentTransactionStartOffset().getAsLong() : null);
        producers.add(producer);
      }
      return Map.of("producers", producers);
    }
  }
}
