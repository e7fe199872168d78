/**
 * Reads current metric values back from the Prometheus registry, for the admin overview
 * and the dashboard's rates (computed by the page from two readings). Counters and gauges
 * are summed over their labels; a metric that is not registered reads 0. Histograms are
 * read as their sample count. Reading runs the gauges' collect() like a scrape does.
 */
import { Injectable } from '@nestjs/common';
import { register } from 'prom-client';

@Injectable()
export class MetricsReader {
  async totals<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
    const totals = {} as Record<K, number>;
    for (const name of names) totals[name] = await this.total(name);
    return totals;
  }

  private async total(name: string): Promise<number> {
    const metric = register.getSingleMetric(name);
    if (metric === undefined) return 0;
    const { type, values } = await metric.get();
    if (String(type) === 'histogram') {
      return (values as Array<{ metricName?: string; value: number }>).filter((v) => v.metricName === `${name}_count`).reduce((sum, v) => sum + v.value, 0);
    }
    return values.reduce((sum, v) => sum + v.value, 0);
  }
}
