/**
 * Which Blink topics the uplink mirrors (`uplink_topics`) and their names on the remote
 * cluster (`uplink_topic_prefix` + name). Each configured entry is a regular expression that
 * must match the whole name, as MirrorMaker 2's `topics` list: a plain name matches itself
 * (a '.' in it also matches any character, as there). Answers are cached per name: retention
 * and the produce fence ask for every partition.
 */
const CACHE_MAX = 10_000;

export class TopicSelection {
  private readonly patterns: readonly RegExp[];
  private readonly answers = new Map<string, boolean>();

  constructor(
    patterns: readonly string[],
    private readonly prefix: string,
  ) {
    this.patterns = patterns.map((pattern) => new RegExp(`^(?:${pattern})$`));
  }

  matches(topic: string): boolean {
    let answer = this.answers.get(topic);
    if (answer === undefined) {
      answer = this.patterns.some((pattern) => pattern.test(topic));
      if (this.answers.size >= CACHE_MAX) this.answers.clear();
      this.answers.set(topic, answer);
    }
    return answer;
  }

  remoteName(topic: string): string {
    return `${this.prefix}${topic}`;
  }
}
