import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { decodeLines, decodeProtobufFile } from '../../gateway/cli/decode.js';
import { encodeEnvelope, encodeDelimited } from '../../gateway/decoders/protobuf/index.js';

const GOOD_AIS = '!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24';
const GOOD_RMC = '$GNRMC,015107.00,A,3412.76124010,N,10849.67444051,E,0.003,114.8,010323,3.4,W,A,V*4C';
const BAD_SUM = '$GPGGA,121252.000,3937.3032,N,11611.6046,E,1,05,2.0,45.9,M,-5.7,M,,0000*77';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function decodeText(text: string) {
  const out = collect();
  const err = collect();
  const summary = await decodeLines(Readable.from([Buffer.from(text, 'latin1')]), out.stream, err.stream, { errors: true });
  const parse = (s: string) => s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { summary, records: parse(out.text()), errors: parse(err.text()) };
}

describe('tidewatch decode', () => {
  it('prints one record per decoded line and one error per bad line, with line numbers', async () => {
    const { summary, records, errors } = await decodeText(`${GOOD_AIS}\n${BAD_SUM}\ngarbage\n\n${GOOD_RMC}\n`);
    expect(records.map((r) => r.kind)).toEqual(['ais', 'gnss']);
    expect(records[0]).toMatchObject({ kind: 'ais', type: 1, mmsi: expect.any(Number) });
    expect(records[1]).toMatchObject({ kind: 'gnss', sentence: 'RMC', time: '2023-03-01T01:51:07.000Z' });
    expect(errors).toEqual([
      expect.objectContaining({ line: 2, code: 'checksum', reason: expect.stringContaining('computes to 75') }),
      expect.objectContaining({ line: 3, code: 'framing' }),
    ]);
    expect(summary.lines).toBe(5);
    expect(summary.records).toEqual({ 'ais type 1': 1, 'gnss RMC': 1 });
    expect(summary.errors).toEqual({ checksum: 1, framing: 1 });
  });

  it('decodes length-delimited protobuf envelopes and reports a truncated tail', async () => {
    const frame = encodeEnvelope({
      deviceId: 'BUOY-RZ-007',
      bootId: 1,
      seq: 1,
      sentTime: Date.UTC(2026, 4, 1),
      payload: { type: 'health', health: { battery: 12.5, uptime: 3600 } },
    });
    const file = encodeDelimited([frame, frame]);
    const out = collect();
    const err = collect();
    const summary = await decodeProtobufFile(file.subarray(0, file.length - 3), out.stream, err.stream, { errors: true });
    expect(summary.records).toEqual({ 'envelope health': 1 });
    expect(Object.values(summary.errors).reduce((a, b) => a + b, 0)).toBe(1);
    expect(JSON.parse(out.text().trim())).toMatchObject({ kind: 'envelope', deviceId: 'BUOY-RZ-007', seq: 1 });
  });

  it('runs as a command: exit 0 on bad lines, 1 when the file cannot be read, 2 on bad usage', () => {
    const main = join(PACKAGE_ROOT, 'dist', 'gateway', 'cli', 'main.js');
    expect(existsSync(main), 'run `npm run build` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-decode-'));
    const file = join(dir, 'in.nmea');
    writeFileSync(file, `${GOOD_AIS}\n${BAD_SUM}\n`);
    const ok = spawnSync(process.execPath, [main, 'decode', file], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(ok.stderr).toContain('"code":"checksum"');
    expect(ok.stderr).toContain('"summary"');
    expect(spawnSync(process.execPath, [main, 'decode', join(dir, 'missing')]).status).toBe(1);
    expect(spawnSync(process.execPath, [main, 'decode', '--bogus']).status).toBe(2);
    expect(execFileSync(process.execPath, [main, 'decode', '--help'], { encoding: 'utf8' })).toContain('Usage: tidewatch decode');
    const demo = spawnSync(process.execPath, [main, 'demo'], { encoding: 'utf8' });
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('MMSI');
  });
});

describe('tidewatch decode in parallel pieces', () => {
  it('cuts pieces only where a new message starts', async () => {
    const { SegmentCutter, startsMessage } = await import('../../gateway/cli/decode-segment.js');
    const type5 = '!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n!AIVDM,2,2,3,B,1@0000000000000,2*55\n';
    const buf = Buffer.from(type5);
    expect(startsMessage(buf, 0)).toBe(true);
    expect(startsMessage(buf, buf.indexOf(10) + 1)).toBe(false);
    const cutter = new SegmentCutter(100);
    const pieces = [...cutter.push(Buffer.from(type5.repeat(20))), cutter.end()!];
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) expect(p.toString('latin1').startsWith('!AIVDM,2,1,')).toBe(true);
    expect(Buffer.concat(pieces).toString('latin1')).toBe(type5.repeat(20));
  });

  it('worker threads give the same output, errors and line numbers as one thread', () => {
    const main = join(PACKAGE_ROOT, 'dist', 'gateway', 'cli', 'main.js');
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-decode-'));
    const file = join(dir, 'big.nmea');
    const sample = readFileSync(join(PACKAGE_ROOT, 'gateway', 'cli', 'sample', 'rizhao.nmea'), 'latin1');
    // ~6 MB: several pieces, multi-part AIS messages and bad lines all through it.
    writeFileSync(file, sample.repeat(Math.ceil((6 << 20) / sample.length)), 'latin1');
    const run = (threads: string) => spawnSync(process.execPath, [main, 'decode', '--threads', threads, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const one = run('0');
    const two = run('2');
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
    // Every error names the line it came from, across all the pieces.
    const fileLines = readFileSync(file, 'latin1').split('\n');
    const reports = one.stderr.trim().split('\n').slice(0, -1).map((l) => JSON.parse(l) as { line: number; input?: string });
    expect(reports.length).toBeGreaterThan(1000);
    for (const r of reports) if (r.input) expect(fileLines[r.line - 1].startsWith(r.input.replace(/…$/, ''))).toBe(true);
    expect(reports.at(-1)!.line).toBeGreaterThan(fileLines.length - 30);
  });
});
