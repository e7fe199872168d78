package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * consume: {topic, ranges: [{partition, start, end}], max_fetch_bytes} → {messages: [...]},
 * offsets [start, end) of each range, without a group (assign + seek). Fails when the
 * ranges are not complete within 80% of timeout_ms.
 */
public final class ConsumeOp {
  private static final Duration POLL = Duration.ofMillis(500);

  private ConsumeOp() {}

  public static Object run(Command command) throws Exception {
    String topic = command.str("topic");
    Map<TopicPartition, long[]> ranges = new HashMap<>();
    for (JsonNode range : command.get("ranges")) {
      ranges.put(new TopicPartition(topic, range.get("partition").asInt()), new long[] {range.get("start").asLong(), range.get("end").asLong()});
    }
    long deadline = System.nanoTime() + command.timeoutMs() * 800_000L;
    List<Map<String, Object>> messages = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(command, "e2e-java-consumer", null)) {
      consumer.assign(ranges.keySet());
      ranges.forEach((tp, range) -> consumer.seek(tp, range[0]));
      Map<TopicPartition, Long> positions = new HashMap<>();
      ranges.forEach((tp, range) -> positions.put(tp, range[0]));
      while (!done(ranges, positions)) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("consume: positions " + positions + " short of ranges " + describe(ranges));
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          long[] range = ranges.get(tp);
          if (range == null || record.offset() < range[0] || record.offset() >= range[1]) continue;
          messages.add(Records.toJson(record));
          positions.put(tp, record.offset() + 1);
        }
      }
    }
    return Map.of("messages", messages);
  }

  private static boolean done(Map<TopicPartition, long[]> ranges, Map<TopicPartition, Long> positions) {
    return ranges.entrySet().stream().allMatch(e -> positions.get(e.getKey()) >= e.getValue()[1]);
  }

  private static String describe(Map<TopicPartition, long[]> ranges) {
    StringBuilder out = new StringBuilder();
    ranges.forEach((tp, r) -> out.append(tp).append("=[").append(r[0]).append(',').append(r[1]).append(") "));
    return out.toString().trim();
  }
}
