package blink.driver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A consumed record as the JSON protocol carries it: {partition, offset, key, value, headers}. */
public final class Records {
  private Records() {}

  public static Map<String, Object> toJson(ConsumerRecord<byte[], byte[]> record) {
    List<List<String>> headers = new ArrayList<>();
    for (Header header : record.headers()) headers.add(java.util.Arrays.asList(header.key(), Command.b64(header.value())));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("partition", record.partition());
    out.put("offset", record.offset());
    out.put("key", Command.b64(record.key()));
    out.put("value", Command.b64(record.value()));
    out.put("headers", headers);
    return out;
  }
}
