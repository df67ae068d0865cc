import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import { VARIABLES } from '../../gateway/decoders/protobuf/index.js';
import { tidewatch } from '../../proto/generated/tidewatch.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROTO = path.join(ROOT, 'proto/tidewatch/v1/telemetry.proto');

function parsed(): protobuf.Root {
  const root = new protobuf.Root();
  root.loadSync(PROTO, { keepCase: true, alternateCommentMode: true }).resolveAll();
  return root;
}

describe('VARIABLES table ↔ telemetry.proto', () => {
  const enumValues = Object.entries(tidewatch.v1.Variable).filter(([, v]) => typeof v === 'number') as [string, number][];

  it('every enum value except UNSPECIFIED has exactly one table row, and no row is extra', () => {
    const fromEnum = enumValues.filter(([, v]) => v !== 0).map(([name, v]) => [v, name]);
    const fromTable = Object.values(VARIABLES).map((v) => [v.code, v.protoName]);
    expect(fromTable.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(fromEnum.sort((a, b) => (a[0] as number) - (b[0] as number)));
  });

  it("each enum value's comment states the table's scale, unit and CF / stable name", () => {
    const e = parsed().lookupEnum('tidewatch.v1.Variable');
    for (const v of Object.values(VARIABLES)) {
      const comment = e.comments[v.protoName] ?? '';
      expect(comment, v.protoName).toMatch(new RegExp(`^${v.scale.toString().replace('.', '\\.')} `));
      expect(comment, v.protoName).toContain(v.unit === '1' ? '(unit 1' : `${v.unit}`);
      expect(comment, v.protoName).toContain(v.cfStandardName ? `CF ${v.cfStandardName}.` : `no CF name, stable name ${v.name}.`);
    }
  });

  it('proto/README.md lists every variable with the same scale, unit, name and range', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'proto/README.md'), 'utf8');
    for (const v of Object.values(VARIABLES)) {
      const name = v.cfStandardName ? `\`${v.cfStandardName}\`` : `— (\`${v.name}\`)`;
      const row = `| ${v.code} | \`${v.protoName}\` | ${v.scale} | \`${v.unit}\` | ${name} | ${v.validMin} … ${v.validMax} |`;
      expect(readme, v.protoName).toContain(row);
    }
  });

  it('scales are exact powers of ten, names unique, ranges sane', () => {
    const names = new Set<string>();
    for (const v of Object.values(VARIABLES)) {
      expect(v.divisor * v.scale).toBeCloseTo(1, 12);
      expect(String(v.divisor)).toMatch(/^10*$/);
      expect(v.validMin).toBeLessThan(v.validMax);
      expect(names.has(v.name)).toBe(false);
      names.add(v.name);
      expect(v.name).toMatch(/^[a-z][a-z0-9_]*$/);
      // The whole valid range fits a sint32 at the wire scale.
      expect(Math.abs(v.validMax * v.divisor)).toBeLessThan(2 ** 31);
      expect(Math.abs(v.validMin * v.divisor)).toBeLessThan(2 ** 31);
    }
  });

  it('every field of every message documents itself with a comment', () => {
    const undocumented: string[] = [];
    const walk = (ns: protobuf.NamespaceBase) => {
      for (const obj of ns.nestedArray) {
        if (obj instanceof protobuf.Type) {
          for (const f of obj.fieldsArray) if (!f.comment) undocumented.push(`${obj.name}.${f.name}`);
        }
        if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type) walk(obj);
      }
    };
    walk(parsed());
    expect(undocumented).toEqual([]);
  });
});

describe('scripts/gen-proto.mjs', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-gen-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A scratch copy of the generator, schema and lock; `edit` changes the copied .proto. */
  function scratch(name: string, edit: (proto: string) => string): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'proto/tidewatch'), path.join(dir, 'proto/tidewatch'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'proto/wire-lock.json'), path.join(dir, 'proto/wire-lock.json'));
    fs.copyFileSync(path.join(ROOT, 'scripts/gen-proto.mjs'), path.join(dir, 'scripts/gen-proto.mjs'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const p = path.join(dir, 'proto/tidewatch/v1/telemetry.proto');
    fs.writeFileSync(p, edit(fs.readFileSync(p, 'utf8')));
    return dir;
  }

  function gen(dir: string): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts/gen-proto.mjs')], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('the lock covers the whole current schema (no unlocked additions) and the tree is generated', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts/gen-proto.mjs')], { encoding: 'utf8' });
    expect(out).not.toMatch(/not yet in/);
    expect(fs.existsSync(path.join(ROOT, 'proto/generated/tidewatch.js'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'proto/generated/tidewatch.d.ts'))).toBe(true);
  });

  it('fails loudly on a renumbered field', () => {
    const r = gen(scratch('renumber', (s) => s.replace('uint64 seq = 5;', 'uint64 seq = 7;')));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/FAILED: wire-incompatible schema change/);
    expect(r.out).toMatch(/tidewatch\.v1\.Envelope 5 \(uint64 seq\) was removed without `reserved 5; reserved "seq";`/);
  });

  it('fails loudly on a changed type', () => {
    const r = gen(scratch('retype', (s) => s.replace('uint32 boot_id = 4;', 'uint64 boot_id = 4;')));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/Envelope 4 changed from "uint32 boot_id" to "uint64 boot_id"/);
  });

  it('fails loudly on an enum value that lost its prefix', () => {
    const r = gen(scratch('lint', (s) => s.replace('VARIABLE_BATTERY_VOLTAGE = 60;', 'VARIABLE_BATTERY_VOLTAGE = 60;\n  SOLAR_RADIATION = 61;')));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/schema lint:[\s\S]*SOLAR_RADIATION: enum values must start with VARIABLE_/);
  });

  it('fails loudly on a syntax error', () => {
    const r = gen(scratch('syntax', (s) => s.replace('message Series {', 'message Series {{')));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/FAILED: schema does not parse/);
  });

  it('accepts a removal that reserves number and name, and an addition (noting the lock)', { timeout: 30_000 }, () => {
    const dir = scratch('reserve', (s) =>
      s
        .replace('  // Seconds since boot.\n  optional uint32 uptime_s = 5;', '  reserved 5;\n  reserved "uptime_s";')
        .replace('VARIABLE_BATTERY_VOLTAGE = 60;', 'VARIABLE_BATTERY_VOLTAGE = 60;\n  // 0.1 W m-2; CF surface_downwelling_shortwave_flux_in_air.\n  VARIABLE_SOLAR_RADIATION = 61;'),
    );
    const r = gen(dir);
    expect(r.out).toMatch(/note: 1 field\(s\)\/value\(s\) not yet in proto\/wire-lock\.json/);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'proto/generated/tidewatch.js'), 'utf8')).toMatch(/VARIABLE_SOLAR_RADIATION/);
  });
});

describe('build output', () => {
  it('tsc emits the generated module next to the decoder and the compiled decoder runs under plain Node ESM', { timeout: 120_000 }, () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-dist-'));
    try {
      // Other folders may be mid-edit and fail type checks; emit happens regardless, and only our files matter here.
      spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', out], { encoding: 'utf8' });
      expect(fs.existsSync(path.join(out, 'proto/generated/tidewatch.js'))).toBe(true);
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(out, 'package.json'));
      const script = `
        import { encodeEnvelope, decodeEnvelope } from './gateway/decoders/protobuf/index.js';
        const b = encodeEnvelope({ deviceId: 'D-1', bootId: 1, seq: 2, sentTime: ${Date.UTC(2025, 0, 1)}, payload: { type: 'ack', bootId: 1, ackedSeq: 2 } });
        console.log(JSON.stringify(decodeEnvelope(b)));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'envelope', deviceId: 'D-1', seq: 2, payload: { type: 'ack', ackedSeq: 2 } });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
