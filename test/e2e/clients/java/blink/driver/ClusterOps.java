package blink.driver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * The cluster as the Admin client sees it: describe_cluster, describe_log_dirs,
 * describe_features, update_features, describe_metadata_quorum, unregister_broker.
 * A failure the broker answered for one item is reported as "ExceptionClass: message".
 */
public final class ClusterOps {
  private ClusterOps() {}

  /** The Kafka exception behind a failed future, as "SimpleName: message". */
  static String failure(Throwable error) {
    Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  /** null when the future succeeded, else its failure. */
  static String outcome(KafkaFuture<?> future, long timeoutMs) throws Exception {
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
      return null;
    } catch (ExecutionException e) {
      return failure(e);
    }
  }

  /** {include_authorized_operations?} → {cluster_id, controller, nodes: ["id@host:port"], authorized_operations: [...] | null} */
  public static Object describeCluster(Command command) throws Exception {
    DescribeClusterOptions options = new DescribeClusterOptions().includeAuthorizedOperations(command.bool("include_authorized_operations", false));
    try (Admin admin = Clients.admin(command)) {
      DescribeClusterResult cluster = admin.describeCluster(options);
      long timeout = command.timeoutMs();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("cluster_id", cluster.clusterId().get(timeout, TimeUnit.MILLISECONDS));
      Node controller = cluster.controller().get(timeout, TimeUnit.MILLISECONDS);
      out.put("controller", controller == null ? null : controller.id());
      out.put("nodes", cluster.nodes().get(timeout, TimeUnit.MILLISECONDS).stream().map(n -> n.id() + "@" + n.host() + ":" + n.port()).toList());
      var operations = cluster.authorizedOperations().get(timeout, TimeUnit.MILLISECONDS);
      out.put("authorized_operations", operations == null ? null : operations.stream().map(Object::toString).sorted().toList());
      return out;
    }
  }

  /** {} → {brokers: {id: {path: {error, total_bytes, usable_bytes, partitions: {"topic-p": {size, offset_lag, is_future}}}}}} */
  public static Object describeLogDirs(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      long timeout = command.timeoutMs();
      List<Integer> brokers = admin.describeCluster().nodes().get(timeout, TimeUnit.MILLISECONDS).stream().map(Node::id).toList();
      Map<Integer, Map<String, LogDirDescription>> described = admin.describeLogDirs(brokers).allDescriptions().get(timeout, TimeUnit.MILLISECONDS);
      Map<String, Object> out = new TreeMap<>();
      described.forEach((broker, dirs) -> {
        Map<String, Object> byPath = new TreeMap<>();
        dirs.forEach((path, dir) -> byPath.put(path, logDir(dir)));
        out.put(Integer.toString(broker), byPath);
      });
      return Map.of("brokers", out);
    }
  }

  private static Map<String, Object> logDir(LogDirDescription dir) {
    Map<String, Object> partitions = new TreeMap<>();
    for (Map.Entry<TopicPartition, ReplicaInfo> entry : dir.replicaInfos().entrySet()) {
      ReplicaInfo replica = entry.getValue();
      partitions.put(entry.getKey().toString(), Map.of("size", replica.size(), "offset_lag", replica.offsetLag(), "is_future", replica.isFuture()));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", dir.error() == null ? null : failure(dir.error()));
    out.put("total_bytes", orNull(dir.totalBytes()));
    out.put("usable_bytes", orNull(dir.usableBytes()));
    out.put("partitions", partitions);
    return out;
  }

  private static Long orNull(OptionalLong value) {
    return value.isPresent() ? value.getAsLong() : null;
  }

  /** {} → {supported: {name: [min, max]}, finalized: {name: [min, max]}, epoch: n | null} */
  public static Object describeFeatures(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      FeatureMetadata features = admin.describeFeatures().featureMetadata().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      Map<String, Object> supported = new TreeMap<>();
      features.supportedFeatures().forEach((name, range) -> supported.put(name, List.of(range.minVersion(), range.maxVersion())));
      Map<String, Object> finalized = new TreeMap<>();
      features.finalizedFeatures().forEach((name, range) -> finalized.put(name, List.of(range.minVersionLevel(), range.maxVersionLevel())));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("supported", supported);
      out.put("finalized", finalized);
      out.put("epoch", features.finalizedFeaturesEpoch().orElse(null));
      return out;
    }
  }

  /** {updates: {name: level}, upgrade_type?: "UPGRADE" | "SAFE_DOWNGRADE" | "UNSAFE_DOWNGRADE", validate_only?} → {results: {name: null | error}} */
  public static Object updateFeatures(Command command) throws Exception {
    FeatureUpdate.UpgradeType type = FeatureUpdate.UpgradeType.valueOf(command.str("upgrade_type", "UPGRADE"));
    Map<String, FeatureUpdate> updates = new HashMap<>();
    command.get("updates").fields().forEachRemaining(e -> updates.put(e.getKey(), new FeatureUpdate((short) e.getValue().asInt(), type)));
    UpdateFeaturesOptions options = new UpdateFeaturesOptions().validateOnly(command.bool("validate_only", false));
    try (Admin admin = Clients.admin(command)) {
      Map<String, KafkaFuture<Void>> values = admin.updateFeatures(updates, options).values();
      Map<String, Object> results = new TreeMap<>();
      for (Map.Entry<String, KafkaFuture<Void>> entry : values.entrySet()) results.put(entry.getKey(), outcome(entry.getValue(), command.timeoutMs()));
      return Map.of("results", results);
    }
  }

  /** {} → {leader_id, leader_epoch, high_watermark, voters: [...], observers: [...], nodes: {id: ["NAME://host:port"]}} */
  @SuppressWarnings("removal") // RaftVoterEndpoint.name(): the only accessor in 3.9, deprecated in 4.x
  public static Object describeMetadataQuorum(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      Map<String, Object> nodes = new TreeMap<>();
      quorum.nodes().forEach((id, node) -> nodes.put(Integer.toString(id), node.endpoints().stream().map(e -> e.name() + "://" + e.host() + ":" + e.port()).toList()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("leader_id", quorum.leaderId());
      out.put("leader_epoch", quorum.leaderEpoch());
      out.put("high_watermark", quorum.highWatermark());
      out.put("voters", replicas(quorum.voters()));
      out.put("observers", replicas(quorum.observers()));
      out.put("nodes", nodes);
      return out;
    }
  }

  private static List<Map<String, Object>> replicas(List<QuorumInfo.ReplicaState> states) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (QuorumInfo.ReplicaState state : states) {
      Map<String, Object> replica = new LinkedHashMap<>();
      replica.put("replica_id", state.replicaId());
      replica.put("log_end_offset", state.logEndOffset());
      replica.put("last_fetch_timestamp", orNull(state.lastFetchTimestamp()));
      replica.put("last_caught_up_timestamp", orNull(state.lastCaughtUpTimestamp()));
      out.add(replica);
    }
    return out;
  }

  /** {broker_id} → {error: null | error} */
  public static Object unregisterBroker(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      Map<String, Object> out = new HashMap<>();
      out.put("error", outcome(admin.unregisterBroker(command.integer("broker_id")).all(), command.timeoutMs()));
      return out;
    }
  }
}
