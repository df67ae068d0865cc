import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import { openConfigDbFile } from '../../gateway/configdb/database.js';
import { encodeAisSentences } from '../../gateway/decoders/ais/index.js';
import { decodeEnvelope, encodeEnvelope } from '../../gateway/decoders/protobuf/index.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { FrameSequences } from '../../gateway/pipeline/dedupe.js';
import { LiveBus } from '../../gateway/pipeline/live-bus.js';
import { Pipeline, type DurableWriter } from '../../gateway/pipeline/pipeline.js';
import type { IngestSource } from '../../gateway/pipeline/types.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';
import type { SeriesRecord } from '../../gateway/store/types.js';

const NOW = Date.UTC(2026, 4, 16, 22, 0, 30);

/** The writer seam's test double: durable = kept in this array. */
class ArrayWriter implements DurableWriter {
  readonly stored: SeriesRecord[] = [];
  saturated = false;
  append(records: readonly SeriesRecord[]): Promise<void> {
    this.stored.push(...records);
    return Promise.resolve();
  }
  onDrain(): void {}
}

function setup(db = openConfigDbFile(':memory:')) {
  const writer = new ArrayWriter();
  const registry = new VesselRegistry(db);
  const metrics = new GatewayMetrics();
  const bus = new LiveBus();
  const published: SeriesRecord[] = [];
  bus.subscribe((r) => published.push(...r));
  const pipeline = new Pipeline({ writer, registry, sequences: new FrameSequences(db), bus, metrics, logger: silentLogger, now: () => NOW });
  return { db, writer, registry, metrics, pipeline, published };
}

const station = (name: string): IngestSource => ({ transport: 'tcp', peer: `${name}:1`, station: `tcp:${name}` });
const device = (name: string): IngestSource => ({ transport: 'ws', peer: '127.0.0.1:5', device: name, station: name });

async function metric(m: GatewayMetrics, name: string): Promise<Record<string, number>> {
  const json = await m.registry.getMetricsAsJSON();
  const found = json.find((x) => x.name === name);
  return Object.fromEntries((found?.values ?? []).map((v) => [Object.values(v.labels).join(',') || 'all', v.value]));
}

describe('pipeline', () => {
  it('stores an AIS report heard by two stations once, under the registered vessel', async () => {
    const { pipeline, writer, registry, metrics, published } = setup();
    registry.upsert({ id: 'RZ-60123', hullName: '鲁日渔60123', identifiers: [{ key: 'mmsi:412325670' }] });
    const lines = encodeAisSentences({ type: 1, mmsi: 412325670, lat: 35.38, lon: 119.6, sog: 8.2, second: 29 });
    await pipeline.ingestLines(lines, station('a'));
    await pipeline.ingestLines(lines, station('b'));
    expect(writer.stored).toHaveLength(1);
    expect(writer.stored[0]).toMatchObject({ kind: 'vessel-fix', key: 'mmsi:412325670', vessel: 'RZ-60123', sog: 8.2 });
    expect(published).toHaveLength(1);
    expect(await metric(metrics, 'tidewatch_duplicates_total')).toEqual({ 'vessel-fix': 1 });
  });

  it('counts bad lines by reason and keeps their neighbours', async () => {
    const { pipeline, writer, metrics } = setup();
    const good = (mmsi: number) => encodeAisSentences({ type: 1, mmsi, lat: 35.3, lon: 119.7, second: 10 })[0];
    await pipeline.ingestLines([good(412000001), '$GPGGA,121252.000,3937.3032,N,11611.6046,E,1,05,2.0,45.9,M,-5.7,M,,0000*77', 'junk', good(412000002)], station('a'));
    expect(writer.stored.map((r) => (r as VesselFix).key)).toEqual(['mmsi:412000001', 'mmsi:412000002']);
    expect(await metric(metrics, 'tidewatch_rejected_total')).toEqual({ checksum: 1, framing: 1 });
  });

  it('flags an impossible jump instead of storing it as truth', async () => {
    const { pipeline, writer } = setup();
    await pipeline.ingestLines(encodeAisSentences({ type: 1, mmsi: 412000003, lat: 35.3, lon: 119.7, second: 10 }), station('a'));
    await pipeline.ingestLines(encodeAisSentences({ type: 1, mmsi: 412000003, lat: 36.3, lon: 119.7, second: 20 }), station('a'));
    expect(writer.stored.map((r) => (r as VesselFix).suspect)).toEqual([undefined, 'position_jump']);
  });

  it('attributes a Beidou terminal\'s own NMEA to its device', async () => {
    const { pipeline, writer } = setup();
    await pipeline.ingestLines(['$GNRMC,015107.00,A,3412.76124010,N,10849.67444051,E,0.003,114.8,010323,3.4,W,A,V*4C'], device('BDT-0001'));
    expect(writer.stored[0]).toMatchObject({ source: 'bds-rnss', key: 'dev:BDT-0001', vessel: 'dev:BDT-0001' });
  });

  describe('protobuf frames', () => {
    const frame = (seq: number, deviceId = 'BUOY-RZ-007') =>
      encodeEnvelope({ deviceId, bootId: 3, seq, sentTime: NOW, payload: { type: 'health', health: { battery: 12.4, uptime: seq } } });
    const ackedSeq = (ack: Uint8Array | undefined) => {
      const env = ack && decodeEnvelope(ack);
      if (!env || !('payload' in env) || env.payload.type !== 'ack') throw new Error('no ack');
      return env.payload.ackedSeq;
    };

    it('acknowledges the highest contiguous durable sequence and stores resends once', async () => {
      const { pipeline, writer } = setup();
      const src = device('BUOY-RZ-007');
      expect((await pipeline.ingestFrame(frame(2), src)).ack).toBeUndefined(); // 1 is missing
      expect(ackedSeq((await pipeline.ingestFrame(frame(1), src)).ack)).toBe(2);
      expect(ackedSeq((await pipeline.ingestFrame(frame(2), src)).ack)).toBe(2); // resent
      expect(writer.stored).toHaveLength(2);
    });

    it('remembers acknowledgements across a restart', async () => {
      const first = setup();
      await first.pipeline.ingestFrame(frame(1), device('BUOY-RZ-007'));
      const second = setup(first.db);
      expect(ackedSeq((await second.pipeline.ingestFrame(frame(1), device('BUOY-RZ-007'))).ack)).toBe(1);
      expect(second.writer.stored).toHaveLength(0);
    });

    it('refuses a frame naming another device than its token, and garbage, with a reason', async () => {
      const { pipeline, writer } = setup();
      expect((await pipeline.ingestFrame(frame(1, 'BUOY-X'), device('BUOY-RZ-007'))).error).toMatch(/names device BUOY-X/);
      expect((await pipeline.ingestFrame(new Uint8Array([1, 2, 3]), device('BUOY-RZ-007'))).error).toMatch(/^protobuf:/);
      expect(writer.stored).toHaveLength(0);
    });
  });
});
