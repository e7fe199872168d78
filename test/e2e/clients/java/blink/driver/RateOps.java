package blink.driver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * A producer and a consumer running flat out for a while, to see what a broker's quotas let
 * through: bytes per second of the run, and the client's own throttle-time metrics (the
 * throttle_time_ms its responses carried: produce-throttle-time-max, fetch-throttle-time-max).
 */
public final class RateOps {
  private static final Duration POLL = Duration.ofMillis(200);
  /** A small send buffer: send() blocks while the broker throttles, and close() drops little. */
  private static final String BUFFER_BYTES = Integer.toString(256 * 1024);

  private RateOps() {}

  /**
   * {topic, client_id, value_bytes, duration_ms} → {bytes_per_second: [acknowledged value bytes
   * in each second of the run], throttle_time_max_ms}. Unacknowledged records are dropped at the end.
   */
  public static Object produceFor(Command command) throws Exception {
    int seconds = (int) Math.ceil(command.number("duration_ms") / 1000.0);
    AtomicLongArray acked = new AtomicLongArray(seconds);
    byte[] value = new byte[command.integer("value_bytes")];
    Properties props = Clients.base(command, command.str("client_id"));
    props.remove("default.api.timeout.ms");
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(command.timeoutMs() / 2));
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    KafkaProducer<byte[], byte[]> producer = Clients.producer(props);
    long start = System.nanoTime();
    long end = start + command.number("duration_ms") * 1_000_000L;
    try {
      while (System.nanoTime() < end) {
        producer.send(new ProducerRecord<>(command.str("topic"), value), (metadata, error) -> {
          int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
          if (error == null && second < seconds) acked.addAndGet(second, value.length);
        });
      }
      return result(acked, metric(producer.metrics(), "produce-throttle-time-max"));
    } finally {
      producer.close(Duration.ZERO);
    }
  }

  /**
   * {topic, client_id, duration_ms} → {bytes_per_second: [value bytes polled in each second],
   * throttle_time_max_ms}: every partition from the beginning, no group.
   */
  public static Object consumeFor(Command command) throws Exception {
    int seconds = (int) Math.ceil(command.number("duration_ms") / 1000.0);
    AtomicLongArray polled = new AtomicLongArray(seconds);
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(command, command.str("client_id"), null)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(command.str("topic"))) partitions.add(new TopicPartition(info.topic(), info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long start = System.nanoTime();
      long end = start + command.number("duration_ms") * 1_000_000L;
      while (System.nanoTime() < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
          if (second < seconds) polled.addAndGet(second, Math.max(0, record.serializedValueSize()));
        }
      }
      return result(polled, metric(consumer.metrics(), "fetch-throttle-time-max"));
    }
  }

  /**
   * {topic, client_id, duration_ms, every_ms} → {sent, client_instance_id}: one small record
   * every every_ms for duration_ms, a long-lived producer (client telemetry pushes on its own).
   */
  public static Object produceSlowly(Command command) throws Exception {
    Properties props = Clients.base(command, command.str("client_id"));
    props.remove("default.api.timeout.ms");
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    KafkaProducer<byte[], byte[]> producer = Clients.producer(props);
    long end = System.nanoTime() + command.number("duration_ms") * 1_000_000L;
    int sent = 0;
    try {
      String instanceId = producer.clientInstanceId(Duration.ofMillis(Clients.REQUEST_TIMEOUT_MS)).toString();
      while (System.nanoTime() < end) {
        producer.send(new ProducerRecord<>(command.str("topic"), ("telemetry " + sent++).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Thread.sleep(command.integer("every_ms", 100));
      }
      producer.flush();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("sent", sent);
      result.put("client_instance_id", instanceId);
      return result;
    } finally {
      producer.close(Clients.CLOSE_TIMEOUT);
    }
  }

  private static Map<String, Object> result(AtomicLongArray perSecond, double throttleMax) {
    List<Long> bytes = new ArrayList<>();
    for (int i = 0; i < perSecond.length(); i++) bytes.add(perSecond.get(i));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bytes_per_second", bytes);
    result.put("throttle_time_max_ms", Double.isNaN(throttleMax) ? 0 : throttleMax);
    return result;
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
      if (entry.getKey().name().equals(name) && entry.getValue().metricValue() instanceof Double value) return value;
    }
    throw new IllegalStateException("no client metric " + name);
  }
}
