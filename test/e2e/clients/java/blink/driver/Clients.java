package blink.driver;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The Kafka clients an op opens (and closes itself): one client session per op, as the Python drivers do. */
public final class Clients {
  /** Per request; ops also bound their whole run by the command's timeout_ms. */
  public static final int REQUEST_TIMEOUT_MS = 15_000;

  private Clients() {}

  /**
   * Settings every client gets: the bootstrap address, a client id and bounded timeouts, plus
   * the command's `client_props` ({"security.protocol": "SASL_SSL", ...}: how a secured
   * listener is reached, as a user would write them in a client.properties file).
   */
  public static Properties base(Command command, String clientId) {
    Properties props = new Properties();
    props.put("bootstrap.servers", command.bootstrap());
    props.put("client.id", clientId);
    props.put("request.timeout.ms", Integer.toString(REQUEST_TIMEOUT_MS));
    props.put("default.api.timeout.ms", Long.toString(command.timeoutMs()));
    props.put("reconnect.backoff.max.ms", "1000");
    command.node().path("client_props").fields().forEachRemaining((entry) -> props.put(entry.getKey(), entry.getValue().asText()));
    return props;
  }

  public static Admin admin(Command command) {
    Properties props = base(command, "e2e-java-admin");
    props.remove("default.api.timeout.ms");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(Math.max(REQUEST_TIMEOUT_MS, command.timeoutMs())));
    return Admin.create(props);
  }

  public static KafkaProducer<byte[], byte[]> producer(Properties props) {
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  /** A consumer without a group (assign + seek), or in `group` when it is not null (commits only, no subscribe). */
  public static KafkaConsumer<byte[], byte[]> consumer(Command command, String clientId, String group) {
    Properties props = base(command, clientId);
    if (group != null) props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    int maxFetch = command.integer("max_fetch_bytes", 1_048_576);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(maxFetch));
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(Math.max(52_428_800, maxFetch)));
    return consumer(props);
  }

  public static KafkaConsumer<byte[], byte[]> consumer(Properties props) {
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(props);
  }

  /** How long a client may take to close (bounded: a closing client flushes and leaves groups). */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
}
