package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The transactional ops of the transaction e2e tests (test/e2e/clients/transactional.ts has
 * the contract); values are UTF-8 text:
 *
 *   txn_run      {topic, transactional_id, transactions: [{commit, messages: [{partition, value}]}]}
 *   txn_consume  {topic, partitions, count, isolation, wait_ms} → {records: [{partition, offset, value}]}
 *   txn_read_all {topic, partitions, isolation} → {records, end_offsets}: everything up to the end
 *                offsets at that isolation level (read_committed: the last stable offsets),
 *                read until the consumer's position reaches them
 *   txn_copy     {input, output, group, transactional_id, count}: consume-transform-produce
 *                with sendOffsetsToTransaction(offsets, consumer.groupMetadata())
 *   txn_zombie   {topic, transactional_id} → {error}: the first of two producers of one id
 *                tries to commit after the second initialised
 *   txn_abandon  {topic, transactional_id, transaction_timeout_ms, records}: begins, writes,
 *                and closes with a zero timeout, which ends no transaction
 *
 * abortTransaction() drops what the producer has not sent yet: each aborted transaction is
 * flushed first, so its records reach the log.
 */
public final class TxnOps {
  private static final Duration POLL = Duration.ofMillis(200);
  /** After the expected count, how long a read goes on so that an extra record would show. */
  private static final long DRAIN_MS = 500;

  private TxnOps() {}

  static KafkaProducer<byte[], byte[]> producer(Command command, String transactionalId, Integer transactionTimeoutMs) {
    Properties props = Clients.base(command, "e2e-java-txn-producer");
    props.remove("default.api.timeout.ms");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(command.timeoutMs() / 2));
    if (transactionTimeoutMs != null) {
      props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs.toString());
      // delivery.timeout.ms may not exceed the transaction timeout (the client checks).
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, transactionTimeoutMs.toString());
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(Clients.REQUEST_TIMEOUT_MS, transactionTimeoutMs - 5)));
    }
    KafkaProducer<byte[], byte[]> producer = Clients.producer(props);
    producer.initTransactions();
    return producer;
  }

  private static void sendAll(KafkaProducer<byte[], byte[]> producer, String topic, JsonNode messages) {
    for (JsonNode m : messages) producer.send(new ProducerRecord<>(topic, m.get("partition").asInt(), null, utf8(m.get("value").asText())));
    producer.flush();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  public static Object run(Command command) {
    String topic = command.str("topic");
    try (KafkaProducer<byte[], byte[]> producer = producer(command, command.str("transactional_id"), null)) {
      for (JsonNode txn : command.get("transactions")) {
        producer.beginTransaction();
        sendAll(producer, topic, txn.get("messages"));
        if (txn.get("commit").asBoolean()) producer.commitTransaction();
        else producer.abortTransaction();
      }
    }
    return Map.of("ok", true);
  }

  /** Every partition of the command's topic (0 to partitions - 1). */
  private static List<TopicPartition> allPartitions(Command command) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (int p = 0; p < command.integer("partitions"); p++) partitions.add(new TopicPartition(command.str("topic"), p));
    return partitions;
  }

  /** A consumer at the command's isolation level, in a group of its own that never commits, reading `partitions` from the beginning. */
  private static KafkaConsumer<byte[], byte[]> readFromStart(Command command, String clientId, List<TopicPartition> partitions) {
    Properties props = Clients.base(command, clientId);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-unused-" + UUID.randomUUID());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, command.str("isolation"));
    KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(props);
    try {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    return consumer;
  }

  public static Object consume(Command command) {
    List<Map<String, Object>> records = new ArrayList<>();
    long deadline = System.nanoTime() + command.number("wait_ms") * 1_000_000L;
    long drainUntil = Long.MAX_VALUE;
    try (KafkaConsumer<byte[], byte[]> consumer = readFromStart(command, "e2e-java-txn-consumer", allPartitions(command))) {
      while (System.nanoTime() < Math.min(deadline, drainUntil)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) records.add(txnRecord(record));
        if (drainUntil == Long.MAX_VALUE && records.size() >= command.integer("count")) drainUntil = System.nanoTime() + DRAIN_MS * 1_000_000L;
      }
    }
    return Map.of("records", records);
  }

  public static Object readAll(Command command) {
    long deadline = System.nanoTime() + command.timeoutMs() * 800_000L;
    List<Map<String, Object>> records = new ArrayList<>();
    List<TopicPartition> partitions = allPartitions(command);
    try (KafkaConsumer<byte[], byte[]> consumer = readFromStart(command, "e2e-java-txn-reader", partitions)) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("read_all: positions short of " + ends);
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) records.add(txnRecord(record));
      }
      List<Long> endOffsets = new ArrayList<>();
      for (TopicPartition tp : partitions) endOffsets.add(ends.get(tp));
      return Map.of("records", records, "end_offsets", endOffsets);
    }
  }

  public static Object copy(Command command) {
    Properties props = Clients.base(command, "e2e-java-txn-copy");
    props.put(ConsumerConfig.GROUP_ID_CONFIG, command.str("group"));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    long deadline = System.nanoTime() + command.timeoutMs() * 800_000L;
    int count = command.integer("count");
    int copied = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(props);
        KafkaProducer<byte[], byte[]> producer = producer(command, command.str("transactional_id"), null)) {
      consumer.subscribe(List.of(command.str("input")));
      producer.beginTransaction();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      while (copied < count) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("copy: " + copied + " of " + count + " records");
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          byte[] value = (new String(record.value(), StandardCharsets.UTF_8) + "!").getBytes(StandardCharsets.UTF_8);
          producer.send(new ProducerRecord<>(command.str("output"), record.partition(), null, value));
          offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
          copied++;
        }
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
    }
    return Map.of("copied", copied);
  }

  public static Object zombie(Command command) {
    String topic = command.str("topic");
    String id = command.str("transactional_id");
    try (KafkaProducer<byte[], byte[]> zombie = producer(command, id, null)) {
      zombie.beginTransaction();
      sendAll(zombie, topic, Output.JSON.valueToTree(List.of(Map.of("partition", 0, "value", "zombie"))));
      try (KafkaProducer<byte[], byte[]> fresh = producer(command, id, null)) {
        fresh.beginTransaction();
        sendAll(fresh, topic, Output.JSON.valueToTree(List.of(Map.of("partition", 0, "value", "fresh"))));
        fresh.commitTransaction();
      }
      Map<String, Object> result = new LinkedHashMap<>();
      try {
        zombie.commitTransaction();
        result.put("error", null);
      } catch (RuntimeException e) {
        result.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      return result;
    }
  }

  public static Object abandon(Command command) {
    KafkaProducer<byte[], byte[]> producer = producer(command, command.str("transactional_id"), command.integer("transaction_timeout_ms"));
    producer.beginTransaction();
    sendAll(producer, command.str("topic"), command.get("records"));
    // A zero timeout closes without ending the transaction (a graceful close would abort it).
    producer.close(Duration.ZERO);
    return Map.of("ok", true);
  }

  private static Map<String, Object> txnRecord(ConsumerRecord<byte[], byte[]> record) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("partition", record.partition());
    out.put("offset", record.offset());
    out.put("value", new String(record.value(), StandardCharsets.UTF_8));
    return out;
  }
}
