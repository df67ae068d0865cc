#!/usr/bin/env node
// Generates static protobufjs code for proto/tidewatch/**.proto into proto/generated/:
//   tidewatch.js    ES module (pbjs -t static-module -w esm), imports protobufjs/minimal.js
//   tidewatch.d.ts  its declarations (pbts, run by pbjs --dts)
// tsc compiles both (tsconfig includes proto/generated; allowJs emits the .js into dist/).
//
// Before generating it checks the schema: buf-style enum naming, and the wire lock
// (proto/wire-lock.json): a field or enum number already published may never change its name,
// type or label, and may only disappear into `reserved`. That is the rule device makers rely on.
//
// Usage: node scripts/gen-proto.mjs [--force] [--update-lock]
//   --force        regenerate even when the inputs' hash matches the last run
//   --update-lock  add new fields/values to proto/wire-lock.json (never rewrites existing entries)
// Exits non-zero with a message on any failure; outputs are replaced atomically.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROTO_DIR = path.join(ROOT, 'proto');
const SRC_DIR = path.join(PROTO_DIR, 'tidewatch');
const OUT_DIR = path.join(PROTO_DIR, 'generated');
const LOCK_FILE = path.join(PROTO_DIR, 'wire-lock.json');
const BUNDLE = 'tidewatch';
const STAMP = path.join(OUT_DIR, '.stamp');

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (a !== '--force' && a !== '--update-lock') fail(`unknown option ${a}`);
}

function fail(message) {
  process.stderr.write(`gen-proto: FAILED: ${message}\n`);
  process.exit(1);
}

function listProtos(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtos(p));
    else if (entry.name.endsWith('.proto')) out.push(p);
  }
  return out.sort();
}

async function main() {
  const started = Date.now();
  if (!fs.existsSync(SRC_DIR)) fail(`no schema directory ${path.relative(ROOT, SRC_DIR)}`);
  const protos = listProtos(SRC_DIR);
  if (protos.length === 0) fail(`no .proto files under ${path.relative(ROOT, SRC_DIR)}`);

  let protobuf, cli;
  try {
    protobuf = require('protobufjs');
    cli = require('protobufjs-cli');
  } catch (err) {
    fail(`protobufjs / protobufjs-cli not installed (${err.message}); run npm install`);
  }

  // Parse once with the names as written, for the checks below (pbjs parses again itself).
  const root = new protobuf.Root();
  // Imports resolve against proto/ (the include path given to pbjs too).
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
  try {
    root.loadSync(protos, { keepCase: true }).resolveAll();
  } catch (err) {
    fail(`schema does not parse: ${err.message}`);
  }
  lint(root, protobuf);
  checkLock(root, protobuf, args.has('--update-lock'));

  // Skip the ~1 s generation when nothing that shapes the output changed.
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(fileURLToPath(import.meta.url)));
  hash.update(require('protobufjs/package.json').version);
  hash.update(require('protobufjs-cli/package.json').version);
  for (const p of protos) hash.update(path.relative(PROTO_DIR, p)).update(fs.readFileSync(p));
  const digest = hash.digest('hex');
  const outJs = path.join(OUT_DIR, `${BUNDLE}.js`);
  const outDts = path.join(OUT_DIR, `${BUNDLE}.d.ts`);
  if (
    !args.has('--force') &&
    fs.existsSync(outJs) &&
    fs.existsSync(outDts) &&
    fs.existsSync(STAMP) &&
    fs.readFileSync(STAMP, 'utf8').trim() === digest
  ) {
    process.stdout.write(`gen-proto: up to date (${protos.length} file(s))\n`);
    return;
  }

  // Generate into a scratch directory, check, then move into place: a failed run never leaves a
  // half-written module behind for tsc to trip over.
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(OUT_DIR, '.tmp-'));
  try {
    const tmpJs = path.join(tmp, `${BUNDLE}.js`);
    const pbjsArgs = [
      '--target', 'static-module',
      '--wrap', 'esm', // ES module wrapper; implies --es6 (const/let, arrow IIFEs)
      '--es6',
      '--no-verify', // the decoder validates against the schema's rules itself
      '--no-typeurl',
      '--no-service',
      '--alt-comment', // carry the .proto's // comments (units!) into the JSDoc and .d.ts
      '--path', PROTO_DIR,
      '--out', tmpJs,
      '--dts', // pbts -> <out>.d.ts, importing protobufjs/minimal.js to match the .js
      ...protos,
    ];
    await new Promise((resolve, reject) => {
      try {
        cli.pbjs.main(pbjsArgs, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err);
      }
    });
    const tmpDts = path.join(tmp, `${BUNDLE}.d.ts`);
    for (const f of [tmpJs, tmpDts]) {
      if (!fs.existsSync(f) || fs.statSync(f).size === 0) throw new Error(`pbjs wrote no ${path.basename(f)}`);
    }
    // Banner: the files are build output, not sources.
    const banner = `// GENERATED by scripts/gen-proto.mjs from proto/tidewatch/**.proto. Do not edit; run npm run gen.\n`;
    fs.writeFileSync(tmpJs, banner + fs.readFileSync(tmpJs, 'utf8'));
    fs.writeFileSync(tmpDts, banner + fs.readFileSync(tmpDts, 'utf8'));
    await smokeTest(tmpJs);
    fs.renameSync(tmpJs, outJs);
    fs.renameSync(tmpDts, outDts);
    fs.writeFileSync(STAMP, digest + '\n');
  } catch (err) {
    fail(`code generation: ${err && err.message ? err.message : err}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(
    `gen-proto: wrote ${path.relative(ROOT, outJs)}, ${path.relative(ROOT, outDts)} in ${Date.now() - started} ms\n`,
  );
}

/** The generated module must load as ESM and round-trip an Envelope, or the build stops here. */
async function smokeTest(file) {
  const mod = await import(pathToFileURL(file).href);
  const Envelope = mod.tidewatch?.v1?.Envelope;
  if (!Envelope) throw new Error('generated module does not export tidewatch.v1.Envelope');
  const bytes = Envelope.encode({ schemaMajor: 1, deviceId: 'gen-check', seq: 1, ack: { ackedSeq: 1 } }).finish();
  const back = Envelope.decode(bytes);
  if (back.deviceId !== 'gen-check' || back.payload !== 'ack') throw new Error('generated module failed a round trip');
}

/** buf lint's DEFAULT naming rules that matter for generated code and JSON names. */
function lint(root, protobuf) {
  const problems = [];
  walk(root, (obj) => {
    if (obj instanceof protobuf.Enum) {
      const prefix = obj.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase() + '_';
      for (const [name, id] of Object.entries(obj.values)) {
        if (!name.startsWith(prefix)) problems.push(`${obj.fullName}.${name}: enum values must start with ${prefix}`);
        if (id === 0 && name !== `${prefix}UNSPECIFIED`) problems.push(`${obj.fullName}: value 0 must be ${prefix}UNSPECIFIED`);
        if (!/^[A-Z][A-Z0-9_]*$/.test(name)) problems.push(`${obj.fullName}.${name}: enum values are UPPER_SNAKE_CASE`);
      }
      if (obj.values[`${prefix}UNSPECIFIED`] !== 0) problems.push(`${obj.fullName}: needs ${prefix}UNSPECIFIED = 0`);
    } else if (obj instanceof protobuf.Type) {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(obj.name)) problems.push(`${obj.fullName}: messages are PascalCase`);
      for (const f of obj.fieldsArray) {
        if (!/^[a-z][a-z0-9_]*$/.test(f.name)) problems.push(`${obj.fullName}.${f.name}: fields are lower_snake_case`);
        if (f.id >= 19000 && f.id <= 19999) problems.push(`${obj.fullName}.${f.name}: 19000-19999 are reserved by protobuf`);
      }
    }
  });
  if (problems.length) fail(`schema lint:\n  ${problems.join('\n  ')}`);
}

function walk(ns, fn) {
  for (const obj of ns.nestedArray ?? []) {
    fn(obj);
    walk(obj, fn);
  }
}

function isReserved(reserved, idOrName) {
  if (!reserved) return false;
  return reserved.some((r) =>
    typeof r === 'string' ? r === idOrName : typeof idOrName === 'number' && idOrName >= r[0] && idOrName <= r[1],
  );
}

function fieldSig(f) {
  const label = f.repeated ? 'repeated ' : f.options?.proto3_optional ? 'optional ' : '';
  const type = f.resolvedType ? f.resolvedType.fullName.replace(/^\./, '') : f.type;
  const oneof = f.partOf && !f.options?.proto3_optional ? ` oneof ${f.partOf.name}` : '';
  return `${label}${type} ${f.name}${oneof}`;
}

/**
 * Wire lock: { "pkg.Message": { "<number>": "<label type name>" }, "pkg.Enum": { "<number>": "NAME" } }.
 * Published numbers must keep their meaning; removed ones must be reserved (number and name).
 */
function checkLock(root, protobuf, update) {
  const current = {};
  walk(root, (obj) => {
    const key = obj.fullName.replace(/^\./, '');
    if (obj instanceof protobuf.Type) {
      current[key] = Object.fromEntries(obj.fieldsArray.map((f) => [String(f.id), fieldSig(f)]));
    } else if (obj instanceof protobuf.Enum) {
      current[key] = Object.fromEntries(Object.entries(obj.values).map(([n, id]) => [String(id), n]));
    }
  });
  let lock = {};
  if (fs.existsSync(LOCK_FILE)) {
    try {
      lock = JSON.parse(fs.readFileSync(LOCK_FILE, 'utf8'));
    } catch (err) {
      fail(`${path.relative(ROOT, LOCK_FILE)} is not JSON: ${err.message}`);
    }
  } else if (!update) {
    fail(`${path.relative(ROOT, LOCK_FILE)} is missing; create it with --update-lock`);
  }

  const breaks = [];
  let added = 0;
  for (const [typeName, entries] of Object.entries(lock)) {
    const obj = root.lookup(typeName);
    if (!obj) {
      breaks.push(`${typeName} was published and is gone (keep it; deprecate instead)`);
      continue;
    }
    for (const [num, sig] of Object.entries(entries)) {
      const now = current[typeName][num];
      if (now === sig) continue;
      const oldName = obj instanceof protobuf.Enum ? sig : sig.replace(/ oneof \S+$/, '').split(' ').pop();
      if (now === undefined) {
        if (!isReserved(obj.reserved, Number(num)) || !isReserved(obj.reserved, oldName)) {
          breaks.push(`${typeName} ${num} (${sig}) was removed without \`reserved ${num}; reserved "${oldName}";\``);
        }
      } else {
        breaks.push(`${typeName} ${num} changed from "${sig}" to "${now}"`);
      }
    }
  }
  for (const [typeName, entries] of Object.entries(current)) {
    for (const [num, sig] of Object.entries(entries)) {
      if (lock[typeName]?.[num] === undefined) {
        added++;
        if (update) (lock[typeName] ??= {})[num] = sig;
      }
    }
  }
  if (breaks.length) {
    fail(`wire-incompatible schema change (make a new package version instead):\n  ${breaks.join('\n  ')}`);
  }
  if (update && added) {
    const sorted = Object.fromEntries(
      Object.keys(lock)
        .sort()
        .map((k) => [k, Object.fromEntries(Object.entries(lock[k]).sort((a, b) => Number(a[0]) - Number(b[0])))]),
    );
    fs.writeFileSync(LOCK_FILE, JSON.stringify(sorted, null, 2) + '\n');
    process.stdout.write(`gen-proto: added ${added} entr${added === 1 ? 'y' : 'ies'} to ${path.relative(ROOT, LOCK_FILE)}\n`);
  } else if (added) {
    process.stdout.write(
      `gen-proto: note: ${added} field(s)/value(s) not yet in ${path.relative(ROOT, LOCK_FILE)}; ` +
        `run node scripts/gen-proto.mjs --update-lock when the schema change is final\n`,
    );
  }
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
