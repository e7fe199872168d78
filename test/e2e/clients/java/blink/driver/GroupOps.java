package blink.driver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Consumer-group administration: list_groups, describe_group, delete_groups,
 * committed_offsets (Admin) and commit_offsets (a consumer's simple commit).
 *
 * Java's Admin reports no protocol type: a group it calls "simple" (empty protocol type)
 * is reported as "", any other consumer group as "consumer".
 */
public final class GroupOps {
  private GroupOps() {}

  private static String protocolType(boolean simple) {
    return simple ? "" : "consumer";
  }

  /** {} → {groups: [{group_id, protocol_type, state}]} (ListGroups) */
  @SuppressWarnings({"deprecation", "removal"}) // listConsumerGroups, ConsumerGroupListing: both 3.9 and 4.x have them (4.x: listGroups())
  public static Object listGroups(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      Collection<ConsumerGroupListing> listed = admin.listConsumerGroups().all().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      List<Map<String, Object>> groups = new ArrayList<>();
      for (ConsumerGroupListing listing : listed) {
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("group_id", listing.groupId());
        group.put("protocol_type", protocolType(listing.isSimpleConsumerGroup()));
        group.put("state", listing.state().map(Object::toString).orElse(null));
        group.put("type", listing.type().map(t -> t.toString().toLowerCase(java.util.Locale.ROOT)).orElse(null));
        groups.add(group);
      }
      return Map.of("groups", groups);
    }
  }

  /** {group} → {group_id, error, state, protocol_type, protocol, members: [...]} (DescribeGroups) */
  @SuppressWarnings({"deprecation", "removal"}) // ConsumerGroupDescription.state(): in both 3.9 and 4.x (4.x: groupState())
  public static Object describeGroup(Command command) throws Exception {
    String groupId = command.str("group");
    try (Admin admin = Clients.admin(command)) {
      ConsumerGroupDescription group;
      try {
        group = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ApiException)) throw e;
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("group_id", groupId);
        failed.put("error", e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        failed.put("error_code", Errors.forException(e.getCause()).code());
        return failed;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("group_id", group.groupId());
      out.put("error", null);
      out.put("state", group.state().toString());
      out.put("protocol_type", protocolType(group.isSimpleConsumerGroup()));
      out.put("protocol", group.partitionAssignor());
      // "consumer" when the broker described it with ConsumerGroupDescribe (KIP-848), "classic" otherwise.
      out.put("type", group.type().toString().toLowerCase(java.util.Locale.ROOT));
      out.put("members", group.members().stream().map(GroupOps::member).toList());
      return out;
    }
  }

  private static Map<String, Object> member(MemberDescription member) {
    Map<String, List<Integer>> assignment = new TreeMap<>();
    for (TopicPartition tp : member.assignment().topicPartitions()) assignment.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    assignment.values().forEach(list -> list.sort(null));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("member_id", member.consumerId());
    out.put("client_id", member.clientId());
    out.put("client_host", member.host());
    out.put("assignment", assignment);
    return out;
  }

  /** {groups: [...]} → {results: {group: Kafka error code, 0 = deleted}} (DeleteGroups) */
  public static Object deleteGroups(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      Map<String, KafkaFuture<Void>> futures = admin.deleteConsumerGroups(command.strings("groups")).deletedGroups();
      Map<String, Object> results = new TreeMap<>();
      for (Map.Entry<String, KafkaFuture<Void>> entry : futures.entrySet()) results.put(entry.getKey(), errorCode(entry.getValue(), command.timeoutMs()));
      return Map.of("results", results);
    }
  }

  private static int errorCode(KafkaFuture<Void> future, long timeoutMs) throws Exception {
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
      return 0;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApiException) return Errors.forException(e.getCause()).code();
      throw e;
    }
  }

  /** {group, topic, partitions} → {offsets: [per partition, -1 where none is committed]} (OffsetFetch) */
  public static Object committedOffsets(Command command) throws Exception {
    String groupId = command.str("group");
    String topic = command.str("topic");
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < command.integer("partitions"); p++) tps.add(new TopicPartition(topic, p));
    try (Admin admin = Clients.admin(command)) {
      ListConsumerGroupOffsetsSpec spec = new ListConsumerGroupOffsetsSpec().topicPartitions(tps);
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(Map.of(groupId, spec))
          .partitionsToOffsetAndMetadata(groupId).get(command.timeoutMs(), TimeUnit.MILLISECONDS);
      List<Long> out = new ArrayList<>();
      for (TopicPartition tp : tps) {
        OffsetAndMetadata committed = offsets.get(tp);
        out.add(committed == null ? -1L : committed.offset());
      }
      return Map.of("offsets", out);
    }
  }

  /**
   * {group, topic, offsets: [per partition]} → {ok: true}: commits without joining the group
   * (assign + commitSync: a simple commit, generation -1).
   */
  public static Object commitOffsets(Command command) throws Exception {
    String topic = command.str("topic");
    List<Long> offsets = command.numbers("offsets");
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (int p = 0; p < offsets.size(); p++) commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(offsets.get(p)));
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(command, "e2e-java-committer", command.str("group"))) {
      consumer.assign(commit.keySet());
      consumer.commitSync(commit, java.time.Duration.ofMillis(command.timeoutMs() / 2));
    }
    return Map.of("ok", true);
  }
}
