package blink.streams;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A Kafka Streams application with processing.guarantee=exactly_once_v2 for the transaction
 * e2e test (test/e2e/transactions-streams.test.ts): it counts the records of `input` per key
 * (a RocksDB store with a changelog topic) and writes every new count to `output` (String
 * key, Long value). With exactly-once, the last count of each key in `output`, as a
 * read_committed consumer sees it, is exactly how many records of that key `input` holds,
 * even when the process is killed and started again (then the store is restored from its
 * changelog and unfinished transactions are aborted or fenced).
 *
 *   java -cp driver.jar:<clients set>/lib/* blink.streams.EosCountApp \
 *     BOOTSTRAP APPLICATION_ID INPUT OUTPUT STATE_DIR PAUSE_MS_PER_RECORD
 *
 * PAUSE_MS_PER_RECORD slows processing down so that a test can kill it midway. The process
 * prints "RUNNING" once the application runs, and stops on SIGTERM or when stdin closes.
 */
public final class EosCountApp {
  private EosCountApp() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) throw new IllegalArgumentException("usage: BOOTSTRAP APPLICATION_ID INPUT OUTPUT STATE_DIR PAUSE_MS_PER_RECORD");
    long pauseMs = Long.parseLong(args[5]);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.String()))
        .peek((key, value) -> pause(pauseMs))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts"))
        .toStream()
        .to(args[3], Produced.with(Serdes.String(), Serdes.Long()));
    try (KafkaStreams streams = new KafkaStreams(builder.build(), settings(args[0], args[1], args[4]))) {
      CountDownLatch stopped = new CountDownLatch(1);
      streams.setStateListener((next, previous) -> {
        if (next == KafkaStreams.State.RUNNING) System.out.println("RUNNING");
        if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
      });
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      Thread stdinWatcher = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
            // Only the end of stdin matters.
          }
        } catch (java.io.IOException e) {
          // A closed stdin ends the application too.
        }
        stopped.countDown();
      });
      stdinWatcher.setDaemon(true);
      stdinWatcher.start();
      streams.start();
      stopped.await();
      streams.close(Duration.ofSeconds(10));
    }
  }

  private static Properties settings(String bootstrap, String applicationId, String stateDir) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "50");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // A killed instance stays in its group until its session times out: keep the restart's wait short.
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "10000");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), "10000");
    return props;
  }

  private static void pause(long ms) {
    if (ms <= 0) return;
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
