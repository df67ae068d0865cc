import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { openConfigDb } from '../configdb/database.js';
import { importRegister, REGISTER_COLUMNS, RegisterFileError } from '../registry/import-csv.js';
import { VesselRegistry } from '../registry/registry.js';

export const REGISTRY_HELP = `Usage: tidewatch registry import FILE.csv [--dry-run]
       tidewatch registry list [--search TEXT]

Manages the vessel registry in the configuration database under TIDEWATCH_DATA_DIR. A running
'tidewatch serve' picks the changes up within a second.

  import   reads the bureau's register, one vessel a row, and creates or updates each vessel
             --dry-run   check every row (conflicts between rows too) and write nothing
  list     prints the registered vessels and their current identifiers (no personal data)
             --search    only vessels whose hull name, registry number, name, MMSI or card
                         contains TEXT

The CSV file: UTF-8 (with or without BOM) or GBK as Chinese Excel saves it; the first line names
the columns, by these names or their Chinese aliases, in any order; unknown columns are ignored:
${REGISTER_COLUMNS.map((c) => `  ${c.name.padEnd(15)}${c.meaning}${c.aliases.length ? `\n  ${''.padEnd(15)}also: ${c.aliases.join(', ')}` : ''}`).join('\n')}

A vessel already in the registry is updated: an empty cell keeps what the registry holds (import
never erases data), a new MMSI or card replaces the current one from valid_from on (required
then), so earlier fixes stay with the old identifier. Bad rows are reported on stderr with their
line numbers and skipped; the others are imported.

Exit status: 0 every row imported (or, with --dry-run, importable); 1 some rows rejected;
2 usage error or a file that cannot be read as a register (nothing written).
`;

class UsageError extends Error {}

export async function runRegistry(argv: string[]): Promise<number> {
  try {
    const [action, ...rest] = argv;
    switch (action) {
      case 'import':
        return runImport(rest);
      case 'list':
        return runList(rest);
      case undefined:
        throw new UsageError('say what to do: import or list');
      default:
        throw new UsageError(`unknown action '${action}'; expected import or list`);
    }
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof RegisterFileError) && !isParseArgsError(err)) throw err;
    process.stderr.write(`tidewatch registry: ${(err as Error).message}\n\nRun 'tidewatch registry --help' for usage.\n`);
    return 2;
  }
}

/** node:util parseArgs reports unknown options and missing values with ERR_PARSE_ARGS_* codes. */
function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
}

function openRegistry(): { registry: VesselRegistry; close: () => void } {
  const db = openConfigDb(loadConfig().dataDir);
  return { registry: new VesselRegistry(db), close: () => db.close() };
}

function runImport(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('import takes one file: tidewatch registry import FILE.csv');
  const file = positionals[0];
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { registry, close } = openRegistry();
  try {
    const report = importRegister(registry, bytes, { dryRun: values['dry-run'] });
    for (const w of report.warnings) process.stderr.write(`tidewatch registry: ${file}: ${w}\n`);
    for (const r of report.rejected) process.stderr.write(`tidewatch registry: ${file}: line ${r.line}: ${r.message}\n`);
    const counts = `${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected.length} rejected`;
    process.stdout.write(
      report.dryRun ? `Dry run of ${file} (${report.encoding}), nothing written: would be ${counts}.\n` : `Imported ${file} (${report.encoding}): ${counts}.\n`,
    );
    return report.rejected.length > 0 ? 1 : 0;
  } finally {
    close();
  }
}

function runList(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { search: { type: 'string' } }, strict: true });
  const { registry, close } = openRegistry();
  try {
    const { vessels } = registry.search({ text: values.search });
    if (vessels.length === 0) {
      process.stdout.write(values.search ? `No registered vessel matches "${values.search}".\n` : "The registry is empty. Import the register with 'tidewatch registry import FILE.csv'.\n");
      return 0;
    }
    const now = Date.now();
    const rows = [['id', 'registry_no', 'gear_type', 'home_port', 'identifiers now']];
    for (const v of vessels) {
      const current = v.identifiers.filter((b) => now >= (b.validFrom ?? 0) && now < (b.validTo ?? Infinity)).map((b) => b.key);
      rows.push([v.id, v.registryNo ?? '', v.gearType ?? '', v.homePort ?? '', current.join(' ')]);
    }
    // Han characters take two columns on a terminal.
    const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
    const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => width(r[col]))));
    const pad = (s: string, col: number) => s + ' '.repeat(widths[col] - width(s));
    process.stdout.write(`${rows.map((r) => r.map(pad).join('  ').trimEnd()).join('\n')}\n`);
    return 0;
  } finally {
    close();
  }
}
