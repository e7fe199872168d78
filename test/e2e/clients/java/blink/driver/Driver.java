package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Java client driver of the e2e tests: one long-lived JVM that reads JSON commands, one
 * per stdin line, and answers each with one JSON line on stdout:
 *
 *   in:  {"id": 7, "op": "produce", "bootstrap": "127.0.0.1:9092", "timeout_ms": 45000, ...}
 *   out: {"id": 7, "ok": true, "result": {...}}
 *     or {"id": 7, "ok": false, "error": "Type: message <- cause", "stack": "..."}
 *
 * Commands run concurrently (each on its own thread, with its own Kafka client) and answers
 * may come out of order: match them by id. An op still running after its timeout_ms is
 * interrupted and answered with an error. EOF on stdin: the driver waits for the running
 * ops and exits 0. The op names and fields are those of the Python drivers
 * (test/e2e/clients/driver_common.py); see Ops for the table.
 *
 * A first line with "op": "group_member" makes the process a consumer-group member that
 * streams events instead (see GroupMember); it exits when told to close.
 */
public final class Driver {
  /** Time for running ops to finish after stdin closes. */
  private static final long DRAIN_MS = 60_000;

  private final Output out;
  private final ExecutorService workers = Executors.newCachedThreadPool(daemon("op"));
  private final ScheduledExecutorService watchdogs = Executors.newSingleThreadScheduledExecutor(daemon("watchdog"));

  private Driver(Output out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    quietLogging();
    Output out = new Output(System.out);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Driver driver = new Driver(out);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode node;
      try {
        node = Output.JSON.readTree(line);
      } catch (Exception e) {
        out.line(failure(null, e));
        continue;
      }
      if ("group_member".equals(node.path("op").asText())) System.exit(GroupMember.run(new Command(node), in, out));
      driver.submit(new Command(node));
    }
    driver.drain();
    System.exit(0);
  }

  /** Kafka's clients log through slf4j-simple: warnings and errors only, on stderr. */
  private static void quietLogging() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  private void submit(Command command) {
    JsonNode id = command.node().get("id");
    Op op = Ops.TABLE.get(command.op());
    if (op == null) {
      out.line(failure(id, new IllegalArgumentException("unknown op \"" + command.op() + "\"; known: " + Ops.TABLE.keySet())));
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    Future<?> running = workers.submit(() -> {
      Map<String, Object> answer = execute(id, op, command);
      if (answered.compareAndSet(false, true)) out.line(answer);
    });
    watchdogs.schedule(() -> {
      if (!answered.compareAndSet(false, true)) return;
      running.cancel(true);
      out.line(failure(id, new java.util.concurrent.TimeoutException(command.op() + ": driver watchdog expired after " + command.timeoutMs() + " ms")));
    }, command.timeoutMs(), TimeUnit.MILLISECONDS);
  }

  private static Map<String, Object> execute(JsonNode id, Op op, Command command) {
    try {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("id", id);
      answer.put("ok", true);
      answer.put("result", op.run(command));
      return answer;
    } catch (Throwable e) {
      return failure(id, e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
    }
  }

  private static Map<String, Object> failure(JsonNode id, Throwable error) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", id);
    answer.put("ok", false);
    answer.put("error", Output.describe(error));
    answer.put("stack", Output.stack(error));
    return answer;
  }

  private void drain() throws InterruptedException {
    workers.shutdown();
    workers.awaitTermination(DRAIN_MS, TimeUnit.MILLISECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, "driver-" + name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
