/**
 * Kafka's sampled rate (org.apache.kafka.common.metrics.stats.Rate over SampledStat), the
 * measure every client quota is checked against, and Kafka's throttle time.
 *
 * Values are summed into `samples` consecutive samples of `windowMs` each (quota.window.num
 * and quota.window.size.seconds: 11 × 1 s by default); a sample older than the whole window
 * (samples × windowMs) counts for nothing. The rate is the sum over the elapsed time since the
 * oldest sample began, never less than samples − 1 full windows (so a client's first burst is
 * measured over 10 s, not over the few milliseconds it took).
 *
 * Throttle time (ClientQuotaManager.throttleTime): with O the measured rate, T the quota and W
 * the window the rate was measured over, the delay X that brings O × W / (W + X) down to T,
 * X = (O − T) / T × W.
 */
interface Sample {
  startMs: number;
  value: number;
}

export class RateSensor {
  private readonly samples: Sample[] = [];
  private current = 0;

  constructor(
    private readonly windowMs: number,
    private readonly sampleCount: number,
  ) {
    if (sampleCount < 1) throw new Error(`a rate needs at least 1 sample, got ${sampleCount}`);
  }

  /** Adds `value` (bytes, or percent of a thread) at `nowMs`; a negative value takes a recorded one back. */
  record(value: number, nowMs: number): void {
    let sample = this.samples[this.current];
    if (sample === undefined) {
      sample = { startMs: nowMs, value: 0 };
      this.samples.push(sample);
    } else if (nowMs - sample.startMs >= this.windowMs) {
      sample = this.advance(nowMs);
    }
    sample.value += value;
  }

  /** The rate per second at `nowMs`. */
  ratePerSecond(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const total = this.samples.reduce((sum, sample) => sum + sample.value, 0);
    return total / (this.measuredWindowMs(nowMs) / 1000);
  }

  /** The time over which the rate is measured at `nowMs` (Kafka's Rate.windowSize). */
  measuredWindowMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const oldest = this.samples.reduce<number>((min, sample) => Math.min(min, sample.startMs), nowMs);
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minimumWindows = this.sampleCount - 1;
    if (fullWindows < minimumWindows) elapsed += (minimumWindows - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  /** How long the client must wait for its rate to come down to `bound`; 0 when it is within. */
  throttleMs(bound: number, nowMs: number): number {
    const rate = this.ratePerSecond(nowMs);
    if (rate <= bound) return 0;
    return Math.round(((rate - bound) / bound) * this.measuredWindowMs(nowMs));
  }

  private advance(nowMs: number): Sample {
    this.current = (this.current + 1) % this.sampleCount;
    let sample = this.samples[this.current];
    if (sample === undefined) {
      sample = { startMs: nowMs, value: 0 };
      this.samples.push(sample);
    } else {
      sample.startMs = nowMs;
      sample.value = 0;
    }
    return sample;
  }

  private purgeObsolete(nowMs: number): void {
    const expireAgeMs = this.sampleCount * this.windowMs;
    for (const sample of this.samples) {
      if (nowMs - sample.startMs >= expireAgeMs) {
        sample.startMs = nowMs;
        sample.value = 0;
      }
    }
  }
}
