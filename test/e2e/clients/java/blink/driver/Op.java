package blink.driver;

/**
 * One driver operation: reads its fields from the command and returns the result object
 * (serialized as JSON by Jackson: maps, lists, strings, numbers). Throwing fails only this
 * command; the driver reports the exception and goes on.
 */
@FunctionalInterface
public interface Op {
  Object run(Command command) throws Exception;
}
