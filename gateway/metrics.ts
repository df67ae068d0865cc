import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of the gateway, served at /metrics. prom-client over hand-written text:
 * it gets the exposition format, escaping and process metrics right.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly linesIn = new Counter({ name: 'tidewatch_lines_in_total', help: 'Text lines received', labelNames: ['transport'], registers: [this.registry] });
  readonly framesIn = new Counter({ name: 'tidewatch_frames_in_total', help: 'Binary protobuf frames received', labelNames: ['transport'], registers: [this.registry] });
  readonly decoded = new Counter({ name: 'tidewatch_decoded_total', help: 'Sentences and frames decoded, by protocol family', labelNames: ['family'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'tidewatch_rejected_total', help: 'Lines and frames rejected, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'tidewatch_duplicates_total', help: 'Records dropped as duplicates (heard twice, resent)', labelNames: ['kind'], registers: [this.registry] });
  readonly accepted = new Counter({ name: 'tidewatch_records_accepted_total', help: 'Records made durable (spooled), by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly suspect = new Counter({ name: 'tidewatch_suspect_fixes_total', help: 'Vessel fixes flagged implausible, by reason', labelNames: ['reason'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tidewatch_' });
  }

  /** A gauge whose value is read when scraped (spool backlog, store latency…). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
