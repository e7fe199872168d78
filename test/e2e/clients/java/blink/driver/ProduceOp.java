package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * produce: {topic, messages: [{key, value, headers: [[k, v]], partition}], compression
 * (null | gzip | snappy | lz4 | zstd), idempotent, max_message_bytes} →
 * {acks: [{partition, offset}]} in the order of the messages.
 *
 * acks=all. Without idempotence there are no retries (a retried batch could be written
 * twice and the test must see that); the idempotent producer keeps Kafka's retries.
 */
public final class ProduceOp {
  private ProduceOp() {}

  public static Object run(Command command) throws Exception {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = Clients.producer(settings(command))) {
      String topic = command.str("topic");
      for (JsonNode message : command.get("messages")) futures.add(producer.send(record(topic, message)));
      producer.flush();
      List<Map<String, Object>> acks = new ArrayList<>();
      for (Future<RecordMetadata> future : futures) {
        RecordMetadata metadata = future.get(command.timeoutMs(), TimeUnit.MILLISECONDS);
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("partition", metadata.partition());
        ack.put("offset", metadata.offset());
        acks.add(ack);
      }
      return Map.of("acks", acks);
    }
  }

  private static Properties settings(Command command) {
    boolean idempotent = command.bool("idempotent", false);
    Properties props = Clients.base(command, "e2e-java-producer");
    props.remove("default.api.timeout.ms");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, command.str("compression", "none"));
    // Kafka 3.0+ producers are idempotent by default: say which one is wanted.
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotent));
    if (!idempotent) props.put(ProducerConfig.RETRIES_CONFIG, "0");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(command.integer("max_message_bytes", 1_048_576)));
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(Clients.REQUEST_TIMEOUT_MS + 5, command.timeoutMs() * 3 / 4)));
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(command.timeoutMs() / 2));
    return props;
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, JsonNode message) {
    List<Header> headers = new ArrayList<>();
    for (JsonNode pair : message.path("headers")) headers.add(new RecordHeader(pair.get(0).asText(), Command.unb64(pair.get(1))));
    Integer partition = message.hasNonNull("partition") ? message.get("partition").asInt() : null;
    return new ProducerRecord<>(topic, partition, Command.unb64(message.get("key")), Command.unb64(message.get("value")), headers);
  }
}
