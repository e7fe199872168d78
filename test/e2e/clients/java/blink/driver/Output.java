package blink.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON object per stdout line; lines from several threads never interleave. */
public final class Output {
  public static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream stdout;

  public Output(PrintStream stdout) {
    this.stdout = stdout;
  }

  public void line(Object value) {
    String text;
    try {
      text = JSON.writeValueAsString(value);
    } catch (Exception e) {
      text = "{\"error\":\"cannot serialize the result: " + e.getClass().getSimpleName() + "\"}";
    }
    synchronized (this) {
      stdout.println(text);
      stdout.flush();
    }
  }

  /** "Type: message" of an exception and its causes (the Kafka exception is usually the cause). */
  public static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (text.length() > 0) text.append(" <- ");
      text.append(e.getClass().getName()).append(": ").append(e.getMessage());
    }
    return text.toString();
  }

  public static String stack(Throwable error) {
    StringWriter text = new StringWriter();
    error.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  public static Map<String, Object> event(String name) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("event", name);
    return event;
  }
}
