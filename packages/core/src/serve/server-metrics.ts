/** Latency buckets in seconds (upper bounds), as Prometheus client defaults but finer below 10 ms. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (const [i, b] of this.bounds.entries()) if (v <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
  }
  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const [i, b] of this.bounds.entries()) lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`);
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return lines;
  }
}

/** Gauges read at scrape time. */
export interface ServerGauges {
  readonly adaptersLoaded: number;
  readonly adaptersKnown: number;
  readonly adapterBytes: number;
  readonly numTensors: number;
  readonly numBytes: number;
}

/**
 * The server's Prometheus metrics in the text exposition format (version 0.0.4): requests by
 * route and status, request latency, rows per forward pass, and gauges for adapters and tensor
 * memory. Small enough not to need a client library.
 */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Histogram(LATENCY_BUCKETS);
  private readonly batches = new Histogram(BATCH_BUCKETS);

  request(route: string, status: number, seconds: number): void {
    const key = `route="${route.replace(/["\\\n]/g, '_')}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.latency.observe(seconds);
  }

  batch(rows: number): void {
    this.batches.observe(rows);
  }

  render(g: ServerGauges): string {
    const gauge = (name: string, help: string, v: number) => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} gauge`,
      `${name} ${v}`,
    ];
    const lines = [
      '# HELP peftkit_requests_total HTTP requests by route and status.',
      '# TYPE peftkit_requests_total counter',
      ...[...this.requests].map(([k, v]) => `peftkit_requests_total{${k}} ${v}`),
      ...this.latency.render('peftkit_request_duration_seconds', 'HTTP request latency.'),
      ...this.batches.render('peftkit_batch_rows', 'Rows per forward pass.'),
      ...gauge('peftkit_adapters_loaded', 'Adapters loaded into the shared base.', g.adaptersLoaded),
      ...gauge('peftkit_adapters_known', 'Adapters the server can load.', g.adaptersKnown),
      ...gauge(
        'peftkit_adapter_bytes',
        'Tensor bytes of the loaded adapters (measured on load).',
        g.adapterBytes,
      ),
      ...gauge('peftkit_tensors', 'Live tfjs tensors.', g.numTensors),
      ...gauge('peftkit_tensor_bytes', 'Bytes held by live tfjs tensors.', g.numBytes),
    ];
    return `${lines.join('\n')}\n`;
  }
}
