package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One JSON command: {"id", "op", "bootstrap", "timeout_ms", ...op fields}. Byte fields
 * (keys, values, header values) are base64 text; null stays null.
 */
public final class Command {
  private final JsonNode node;

  public Command(JsonNode node) {
    this.node = node;
  }

  public JsonNode node() {
    return node;
  }

  public String op() {
    return str("op");
  }

  public String bootstrap() {
    return str("bootstrap");
  }

  /** The op's own deadline; the driver's watchdog cancels it after this long. */
  public long timeoutMs() {
    return node.path("timeout_ms").asLong(30_000);
  }

  public boolean has(String field) {
    return node.hasNonNull(field);
  }

  public String str(String field) {
    JsonNode value = required(field);
    return value.asText();
  }

  public String str(String field, String fallback) {
    return has(field) ? node.get(field).asText() : fallback;
  }

  public int integer(String field) {
    return required(field).asInt();
  }

  public int integer(String field, int fallback) {
    return has(field) ? node.get(field).asInt() : fallback;
  }

  public long number(String field) {
    return required(field).asLong();
  }

  public boolean bool(String field, boolean fallback) {
    return has(field) ? node.get(field).asBoolean() : fallback;
  }

  public List<String> strings(String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode item : required(field)) out.add(item.asText());
    return out;
  }

  public List<Long> numbers(String field) {
    List<Long> out = new ArrayList<>();
    for (JsonNode item : required(field)) out.add(item.asLong());
    return out;
  }

  public JsonNode get(String field) {
    return required(field);
  }

  private JsonNode required(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw new IllegalArgumentException("command " + op() + ": missing field \"" + field + "\"");
    return value;
  }

  public static byte[] unb64(JsonNode text) {
    return text == null || text.isNull() ? null : Base64.getDecoder().decode(text.asText());
  }

  public static String b64(byte[] data) {
    return data == null ? null : Base64.getEncoder().encodeToString(data);
  }
}
