package blink.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ACLs through the Admin client (CreateAcls, DescribeAcls, DeleteAcls). A binding is JSON
 * {resource_type: "TOPIC", name, pattern: "LITERAL" | "PREFIXED", principal, host, operation:
 * "READ", permission: "ALLOW"}; a filter is the same with every field optional (ANY / null).
 * Bindings come back as "TOPIC:LITERAL:name:User:alice:*:READ:ALLOW" strings.
 */
public final class AclOps {
  private AclOps() {}

  /** {acls: [binding]} → {error: null | "Exception: message"} */
  public static Object createAcls(Command command) throws Exception {
    List<AclBinding> bindings = new ArrayList<>();
    for (JsonNode acl : command.get("acls")) bindings.add(binding(acl));
    try (Admin admin = Clients.admin(command)) {
      Map<String, Object> out = new HashMap<>();
      out.put("error", ClusterOps.outcome(admin.createAcls(bindings).all(), command.timeoutMs()));
      return out;
    }
  }

  /** {filter} → {acls: [string]} or {error: "Exception: message"} */
  public static Object describeAcls(Command command) throws Exception {
    try (Admin admin = Clients.admin(command)) {
      try {
        Collection<AclBinding> found = admin.describeAcls(filter(command.get("filter"))).values().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
        return Map.of("acls", found.stream().map(AclOps::show).sorted().toList());
      } catch (ExecutionException e) {
        return Map.of("error", ClusterOps.failure(e));
      }
    }
  }

  /** {filters: [filter]} → {deleted: [string]} or {error: "Exception: message"} */
  public static Object deleteAcls(Command command) throws Exception {
    List<AclBindingFilter> filters = new ArrayList<>();
    for (JsonNode filter : command.get("filters")) filters.add(filter(filter));
    try (Admin admin = Clients.admin(command)) {
      try {
        Collection<AclBinding> deleted = admin.deleteAcls(filters).all().get(command.timeoutMs(), TimeUnit.MILLISECONDS);
        return Map.of("deleted", deleted.stream().map(AclOps::show).sorted().toList());
      } catch (ExecutionException e) {
        return Map.of("error", ClusterOps.failure(e));
      }
    }
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : value.asText();
  }

  private static AclBinding binding(JsonNode acl) {
    ResourcePattern pattern = new ResourcePattern(
        ResourceType.valueOf(upper(text(acl, "resource_type", "TOPIC"))), text(acl, "name", null), PatternType.valueOf(upper(text(acl, "pattern", "LITERAL"))));
    AccessControlEntry entry = new AccessControlEntry(
        text(acl, "principal", null), text(acl, "host", "*"), AclOperation.valueOf(upper(text(acl, "operation", null))), AclPermissionType.valueOf(upper(text(acl, "permission", "ALLOW"))));
    return new AclBinding(pattern, entry);
  }

  private static AclBindingFilter filter(JsonNode acl) {
    ResourcePatternFilter pattern = new ResourcePatternFilter(
        ResourceType.valueOf(upper(text(acl, "resource_type", "ANY"))), text(acl, "name", null), PatternType.valueOf(upper(text(acl, "pattern", "ANY"))));
    AccessControlEntryFilter entry = new AccessControlEntryFilter(
        text(acl, "principal", null), text(acl, "host", null), AclOperation.valueOf(upper(text(acl, "operation", "ANY"))), AclPermissionType.valueOf(upper(text(acl, "permission", "ANY"))));
    return new AclBindingFilter(pattern, entry);
  }

  private static String upper(String value) {
    return value == null ? null : value.toUpperCase(Locale.ROOT);
  }

  private static String show(AclBinding binding) {
    ResourcePattern p = binding.pattern();
    AccessControlEntry e = binding.entry();
    return String.join(":", p.resourceType().name(), p.patternType().name(), p.name(), e.principal(), e.host(), e.operation().name(), e.permissionType().name());
  }
}
