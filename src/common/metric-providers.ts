/**
 * The metric providers of the broker's probes: @willsoto/nestjs-prometheus's makeCounterProvider,
 * makeGaugeProvider, makeHistogramProvider and makeSummaryProvider, without the optional
 * PROMETHEUS_OPTIONS each of them injects (for its customMetricPrefix). PrometheusModule gives
 * that option only to the REST face's own modules (rest-face.module.ts: not global), so a probe's
 * provider never found it; but Nest looked for it through every module a probe's module imports,
 * failed, and built and threw an UnknownDependenciesException for each of the ~110 metric
 * providers of a boot (1 failed look-up in 108 was another): ~3 ms of NestFactory.create
 * (bench/README.md, boot17). The metric is made as the library makes it, with no options, which is
 * what it had. InjectMetric is the library's.
 */
import type { FactoryProvider } from '@nestjs/common';
import { makeCounterProvider as counter, makeGaugeProvider as gauge, makeHistogramProvider as histogram, makeSummaryProvider as summary } from '@willsoto/nestjs-prometheus';

export { InjectMetric } from '@willsoto/nestjs-prometheus';

/** The library's provider with its first injection (the optional PROMETHEUS_OPTIONS) taken out; the factory gets undefined for it. */
function withoutOptions<A extends unknown[]>(make: (...args: A) => unknown): (...args: A) => FactoryProvider {
  return (...args) => {
    const provider = make(...args) as FactoryProvider;
    const [options, ...rest] = provider.inject ?? [];
    // The library's token is an unexported Symbol('PROMETHEUS_OPTIONS').
    if (typeof options !== 'object' || !('token' in options) || typeof options.token !== 'symbol' || options.token.description !== 'PROMETHEUS_OPTIONS') {
      throw new Error('@willsoto/nestjs-prometheus no longer injects PROMETHEUS_OPTIONS first: check src/common/metric-providers.ts');
    }
    const factory = provider.useFactory;
    return { ...provider, inject: rest, useFactory: (...deps: unknown[]) => factory(undefined, ...deps) };
  };
}

export const makeCounterProvider = withoutOptions(counter);
export const makeGaugeProvider = withoutOptions(gauge);
export const makeHistogramProvider = withoutOptions(histogram);
export const makeSummaryProvider = withoutOptions(summary);
