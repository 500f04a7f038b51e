/**
 * Requests and latency by (method, route pattern), kept in plain slots and turned into Prometheus series
 * only when scraped: `jwtkit_http_requests_total` (a prom-client Counter refilled from the slots by its
 * `collect`) and `jwtkit_http_request_duration_seconds` (a histogram in prom-client's metric shape that
 * reads the slots). A request costs two Map lookups and a bucket search, no label hashing; the series are
 * the ones prom-client's own Counter and Histogram would expose (test/metrics-slots.test.ts, with
 * prom-client as the oracle). The slots are bounded by the routes: `route` is a pattern, never a URL.
 */
import client from 'prom-client';

const DURATION_NAME = 'jwtkit_http_request_duration_seconds';
const DURATION_HELP = 'Time from receiving a request to answering it, by route pattern and method.';
const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** One (method, route): latency bucket counts (not cumulative; the last one is above every bound), and answers by status. */
interface Slot {
  readonly method: string;
  readonly route: string;
  readonly buckets: number[];
  sum: number;
  count: number;
  readonly statuses: Map<number, number>;
}

/** One sample as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** The latency histogram read from the slots: prom-client's metric shape (`get`), no per-request hashing. */
class SlotHistogram {
  readonly name = DURATION_NAME;
  readonly help = DURATION_HELP;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #slots: () => readonly Slot[];
  readonly #reset: () => void;

  constructor(slots: () => readonly Slot[], reset: () => void) {
    this.#slots = slots;
    this.#reset = reset;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    const bucketName = `${DURATION_NAME}_bucket`;
    for (const s of this.#slots()) {
      let acc = 0;
      let i = 0;
      for (const le of DURATION_BUCKETS) {
        acc += s.buckets[i++] ?? 0;
        values.push({
          labels: { le, method: s.method, route: s.route },
          value: acc,
          metricName: bucketName,
        });
      }
      values.push({
        labels: { le: '+Inf', method: s.method, route: s.route },
        value: s.count,
        metricName: bucketName,
      });
      values.push({
        labels: { method: s.method, route: s.route },
        value: s.sum,
        metricName: `${DURATION_NAME}_sum`,
      });
      values.push({
        labels: { method: s.method, route: s.route },
        value: s.count,
        metricName: `${DURATION_NAME}_count`,
      });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#reset();
  }
}

/** The request slots of one registry. */
export class RequestSlots {
  /** method -> route pattern -> slot. */
  #slots = new Map<string, Map<string, Slot>>();
  /** Slots in the order first seen, and (slot, status) pairs likewise: the order prom-client exposes. */
  #slotList: Slot[] = [];
  #statusList: Array<[Slot, number]> = [];

  constructor(registry: client.Registry) {
    const statusList = () => this.#statusList;
    new client.Counter({
      name: 'jwtkit_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [s, status] of statusList()) {
          this.inc({ method: s.method, route: s.route, status: String(status) }, s.statuses.get(status) ?? 0);
        }
      },
    });
    registry.registerMetric(
      new SlotHistogram(
        () => this.#slotList,
        () => this.#clear(),
      ) as unknown as client.Metric,
    );
  }

  /** One answered request; a non-finite duration is counted by status but kept out of the histogram. */
  observe(method: string, route: string, status: number, seconds: number): void {
    let byRoute = this.#slots.get(method);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.#slots.set(method, byRoute);
    }
    let slot = byRoute.get(route);
    if (slot === undefined) {
      slot = {
        method,
        route,
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
        statuses: new Map(),
      };
      byRoute.set(route, slot);
      this.#slotList.push(slot);
    }
    const n = slot.statuses.get(status);
    if (n === undefined) {
      slot.statuses.set(status, 1);
      this.#statusList.push([slot, status]);
    } else slot.statuses.set(status, n + 1);
    if (Number.isFinite(seconds)) {
      let i = 0;
      for (const bound of DURATION_BUCKETS) {
        if (seconds <= bound) break;
        i++;
      }
      slot.buckets[i] = (slot.buckets[i] ?? 0) + 1;
      slot.sum += seconds;
      slot.count += 1;
    }
  }

  #clear(): void {
    this.#slots = new Map();
    this.#slotList = [];
    this.#statusList = [];
  }
}
