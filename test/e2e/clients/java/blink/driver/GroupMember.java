package blink.driver;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.common.TopicPartition;

/**
 * group_member: a subscribe()d KafkaConsumer in a group, streaming events like run_member
 * in driver_common.py. The first command line carries {topic, group, client_id, assignors,
 * session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms, timeout_ms,
 * group_protocol?: "classic" | "consumer"}; later stdin lines are {"cmd": "commit"} (commit
 * the position after the last message consumed per partition) and {"cmd": "close"}
 * (close cleanly: LeaveGroup); EOF means close. stdout events: started, assignment
 * {partitions} whenever the member's whole assignment changes, message, committed
 * {offsets}, error {message, type}, closed. Never auto-commits; starts at the committed
 * offsets, earliest where none.
 *
 * group_protocol "consumer" (KIP-848) lets the broker assign partitions: the client-side
 * assignors and the session/heartbeat settings are then not sent (the broker owns them).
 */
public final class GroupMember {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Map<String, String> ASSIGNORS = Map.of(
      "range", RangeAssignor.class.getName(),
      "roundrobin", RoundRobinAssignor.class.getName(),
      "sticky", StickyAssignor.class.getName(),
      "cooperative-sticky", CooperativeStickyAssignor.class.getName());

  private final Command command;
  private final Output out;
  private final String topic;
  private final Map<Integer, Long> positions = new HashMap<>();
  private List<Integer> lastAssignment;

  private GroupMember(Command command, Output out) {
    this.command = command;
    this.out = out;
    this.topic = command.str("topic");
  }

  /** Runs until told to close; returns the process exit code. */
  @SuppressWarnings("deprecation") // close(Duration): in 3.9 and 4.x (4.1+ adds close(CloseOptions))
  public static int run(Command command, BufferedReader in, Output out) {
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    startReader(in, commands);
    startWatchdog(command.timeoutMs(), out);
    out.line(Output.event("started"));
    GroupMember member = new GroupMember(command, out);
    try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(member.settings())) {
      consumer.subscribe(List.of(member.topic));
      member.loop(consumer, commands);
      consumer.close(Clients.CLOSE_TIMEOUT.multipliedBy(2));
    } catch (Exception e) {
      out.line(error(e, "fatal"));
      return 1;
    }
    out.line(Output.event("closed"));
    return 0;
  }

  private Properties settings() {
    Properties props = Clients.base(command, command.str("client_id"));
    props.remove("default.api.timeout.ms");
    props.put(ConsumerConfig.GROUP_ID_CONFIG, command.str("group"));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Integer.toString(command.integer("rebalance_timeout_ms")));
    String protocol = command.str("group_protocol", "classic");
    props.put("group.protocol", protocol);
    if (protocol.equals("classic")) {
      props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(command.integer("session_timeout_ms")));
      props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(command.integer("heartbeat_interval_ms")));
      if (command.has("assignors")) props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignorClasses(command.strings("assignors")));
    }
    return props;
  }

  private static String assignorClasses(List<String> names) {
    return String.join(",", names.stream().map(name -> {
      String type = ASSIGNORS.get(name);
      if (type == null) throw new IllegalArgumentException("unknown assignor " + name + "; known: " + ASSIGNORS.keySet());
      return type;
    }).toList());
  }

  private void loop(KafkaConsumer<byte[], byte[]> consumer, BlockingQueue<String> commands) throws IOException, InterruptedException {
    for (;;) {
      String line = commands.poll();
      if (line != null) {
        String cmd = Output.JSON.readTree(line).path("cmd").asText();
        if (cmd.equals("close")) return;
        if (!cmd.equals("commit")) throw new IllegalArgumentException("unknown member command " + line);
        commit(consumer);
      }
      pollOnce(consumer);
    }
  }

  private void commit(KafkaConsumer<byte[], byte[]> consumer) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    positions.forEach((p, o) -> offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
    try {
      if (!offsets.isEmpty()) consumer.commitSync(offsets, Duration.ofMillis(Clients.REQUEST_TIMEOUT_MS));
      Map<String, Long> committed = new TreeMap<>();
      positions.forEach((p, o) -> committed.put(Integer.toString(p), o));
      Map<String, Object> event = Output.event("committed");
      event.put("offsets", committed);
      out.line(event);
    } catch (RuntimeException e) {
      out.line(error(e, "commit"));
    }
  }

  private void pollOnce(KafkaConsumer<byte[], byte[]> consumer) throws InterruptedException {
    try {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
      // The assignment the poll left, before its records: a test that has seen a message has
      // seen the assignment it came under.
      reportAssignment(consumer);
      for (ConsumerRecord<byte[], byte[]> record : records) {
        Map<String, Object> event = Output.event("message");
        event.putAll(Records.toJson(record));
        out.line(event);
        positions.put(record.partition(), record.offset() + 1);
      }
    } catch (RuntimeException e) {
      out.line(error(e, "poll"));
      Thread.sleep(500);
      reportAssignment(consumer);
    }
  }

  private void reportAssignment(KafkaConsumer<byte[], byte[]> consumer) {
    List<Integer> assignment = consumer.assignment().stream().filter(tp -> tp.topic().equals(topic)).map(TopicPartition::partition).sorted().toList();
    if (assignment.equals(lastAssignment)) return;
    lastAssignment = assignment;
    Map<String, Object> event = Output.event("assignment");
    event.put("partitions", assignment);
    out.line(event);
  }

  private static Map<String, Object> error(Throwable e, String type) {
    Map<String, Object> event = Output.event("error");
    event.put("message", Output.describe(e));
    event.put("type", type);
    return event;
  }

  private static void startReader(BufferedReader in, BlockingQueue<String> commands) {
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = in.readLine()) != null) if (!line.isBlank()) commands.add(line.trim());
      } catch (IOException ignored) {
        // stdin is gone: close as on EOF
      }
      commands.add("{\"cmd\":\"close\"}");
    }, "member-stdin");
    reader.setDaemon(true);
    reader.start();
  }

  private static void startWatchdog(long timeoutMs, Output out) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(timeoutMs);
      } catch (InterruptedException e) {
        return;
      }
      Map<String, Object> event = error(new IllegalStateException("watchdog: still running after " + timeoutMs + " ms"), "watchdog");
      out.line(event);
      Runtime.getRuntime().halt(1);
    }, "member-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
