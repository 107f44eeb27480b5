import autocannon from 'autocannon';

/** Options of `runLoad`. */
export interface LoadOptions {
  /** Concurrent connections (each keeps one request in flight). */
  readonly connections: number;
  /** Requests in total. */
  readonly amount: number;
  /** Hard stop (the run is cut short and reported as such). */
  readonly maxSeconds: number;
  /** The adapter the k-th request names (`base`: the served base without adapter). */
  readonly adapterOf: (k: number) => string;
  readonly inputs: readonly string[];
}

/** What one load phase measured (latencies in ms, client-side, loopback). */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Connection errors, timeouts and non-2xx answers: a load test passes only with 0. */
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  readonly cutShort: boolean;
}

/**
 * Sends `amount` one-input `POST /v1/predict` requests with `autocannon` over `connections`
 * keep-alive connections, request k naming `adapterOf(k)` with input k mod |inputs|.
 */
export async function runLoad(url: string, o: LoadOptions): Promise<LoadResult> {
  let k = 0;
  const bodies = new Map<string, string>();
  const bodyOf = (n: number): string => {
    const adapter = o.adapterOf(n);
    const input = o.inputs[n % o.inputs.length] as string;
    const key = `${adapter}\u0000${input}`;
    let body = bodies.get(key);
    if (body === undefined) {
      body = JSON.stringify({ adapter, inputs: [input] });
      bodies.set(key, body);
    }
    return body;
  };
  let cutShort = false;
  let stopper: NodeJS.Timeout | undefined;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: o.connections,
        amount: o.amount,
        timeout: o.maxSeconds,
        requests: [
          {
            method: 'POST',
            path: '/v1/predict',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodyOf(k++) }),
          },
        ],
      },
      (err: unknown, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    );
    stopper = setTimeout(() => {
      cutShort = true;
      instance.stop();
    }, o.maxSeconds * 1000);
  });
  clearTimeout(stopper);
  const done = r['2xx'] + r.non2xx;
  return {
    requests: done,
    seconds: r.duration,
    requestsPerSecond: done / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
    cutShort,
  };
}
