package blink.driver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/** list_offsets and offsets_for_times through a consumer without a group (ListOffsets). */
public final class OffsetOps {
  private OffsetOps() {}

  private static List<TopicPartition> partitions(String topic, int count) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < count; p++) tps.add(new TopicPartition(topic, p));
    return tps;
  }

  /** {topic, partitions} → {earliest: [per partition], latest: [per partition]} */
  public static Object listOffsets(Command command) throws Exception {
    List<TopicPartition> tps = partitions(command.str("topic"), command.integer("partitions"));
    Duration timeout = Duration.ofMillis(command.timeoutMs() / 2);
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(command, "e2e-java-offsets", null)) {
      Map<TopicPartition, Long> earliest = consumer.beginningOffsets(tps, timeout);
      Map<TopicPartition, Long> latest = consumer.endOffsets(tps, timeout);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("earliest", tps.stream().map(earliest::get).toList());
      result.put("latest", tps.stream().map(latest::get).toList());
      return result;
    }
  }

  /**
   * {topic, timestamps: [per partition]} → {offsets: [per partition: {offset, timestamp}, or
   * null when no message has a timestamp at or after the one asked]}.
   */
  public static Object offsetsForTimes(Command command) throws Exception {
    List<Long> timestamps = command.numbers("timestamps");
    List<TopicPartition> tps = partitions(command.str("topic"), timestamps.size());
    Map<TopicPartition, Long> query = new HashMap<>();
    for (int p = 0; p < tps.size(); p++) query.put(tps.get(p), timestamps.get(p));
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(command, "e2e-java-offsets", null)) {
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofMillis(command.timeoutMs() / 2));
      List<Object> offsets = new ArrayList<>();
      for (TopicPartition tp : tps) {
        OffsetAndTimestamp hit = found.get(tp);
        offsets.add(hit == null ? null : Map.of("offset", hit.offset(), "timestamp", hit.timestamp()));
      }
      Map<String, Object> result = new HashMap<>();
      result.put("offsets", offsets);
      return result;
    }
  }
}
