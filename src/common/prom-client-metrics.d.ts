// prom-client's default metrics, one module each (CommonJS, no types of their own): each registers
// its metrics in `registry` (process-wide when none). Used by process-metrics.ts.
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';
  const register: (registry?: Registry, config?: { readonly eventLoopMonitoringPrecision?: number }) => void;
  export default register;
}
