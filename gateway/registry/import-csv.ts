import iconv from 'iconv-lite';
import { z } from 'zod';
import { parseCsv, type CsvRecord } from './csv.js';
import { isoTime } from '../../core/schemas.js';
import { BDS_CARD, MMSI, VESSEL_FIELDS } from './fields.js';
import { isVesselId, RegistryError, type IdentifierBinding, type Vessel, type VesselRegistry } from './registry.js';

/**
 * The bureau's existing register as CSV → the vessel registry (`tidewatch registry import`).
 * One row per vessel; the hull name (船名号) is the vessel id. Rows are checked one by one: a bad
 * row is reported with its line number and skipped, its neighbours are imported.
 */

type Field = keyof typeof VESSEL_FIELDS | 'mmsi' | 'bdsCard' | 'validFrom';

/** The columns, in the order `--help` lists them; a header may use the name or any alias. */
export const REGISTER_COLUMNS: readonly { field: Field; name: string; aliases: readonly string[]; meaning: string }[] = [
  { field: 'hullName', name: 'hull_name', aliases: ['船名号', '船名'], meaning: 'hull name 船名号, e.g. 鲁日渔60123 (required; the vessel id)' },
  { field: 'registryNo', name: 'registry_no', aliases: ['登记号', '渔船登记号', '船舶登记号'], meaning: 'registry number' },
  { field: 'name', name: 'name', aliases: ['ais_name', 'ais船名', '英文船名'], meaning: 'name as broadcast over AIS, e.g. LU RI YU 60123' },
  { field: 'owner', name: 'owner', aliases: ['船东', '船舶所有人', '所有人'], meaning: 'owner (personal data: never shown to researchers)' },
  { field: 'ownerPhone', name: 'owner_phone', aliases: ['船东电话', '联系电话', '电话'], meaning: "owner's phone, e.g. 0633-8221234 (personal data)" },
  { field: 'gearType', name: 'gear_type', aliases: ['作业类型', '作业方式'], meaning: 'gear type, e.g. trawl, gillnet, 拖网' },
  { field: 'homePort', name: 'home_port', aliases: ['船籍港', '母港'], meaning: 'home port' },
  { field: 'terminalModel', name: 'terminal_model', aliases: ['终端型号'], meaning: 'Beidou terminal model (selects the payload codec)' },
  { field: 'length', name: 'length_m', aliases: ['length', '船长', '总长'], meaning: 'length overall, metres' },
  { field: 'power', name: 'power_kw', aliases: ['power', '主机功率', '功率'], meaning: 'main engine power, kW' },
  { field: 'mmsi', name: 'mmsi', aliases: [], meaning: 'MMSI, 9 digits' },
  { field: 'bdsCard', name: 'bds_card', aliases: ['beidou_card', '北斗卡号'], meaning: 'Beidou card number 用户地址 (leading zeros ignored)' },
  { field: 'validFrom', name: 'valid_from', aliases: ['生效日期', '启用日期'], meaning: 'when this MMSI and card took effect: 2026-05-01 (midnight UTC) or an ISO 8601 time with a zone' },
];

export interface ImportReport {
  /** How the file was read: `UTF-8`, or `GBK` (read as GB18030, its superset) when it is not valid UTF-8. */
  encoding: 'UTF-8' | 'GBK';
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; message: string }[];
  /** Problems that do not stop the import (unknown columns). */
  warnings: string[];
  /** Nothing was written. */
  dryRun: boolean;
}

/** The file cannot be imported at all (encoding, CSV syntax, header): nothing was written. */
export class RegisterFileError extends Error {
  override readonly name = 'RegisterFileError';
}

/**
 * Read and import a register file. Each row is created, updated (cells left empty keep what the
 * registry holds: an import never erases data) or left unchanged; with `dryRun` everything is
 * checked — conflicts between rows included — and nothing is written.
 */
export function importRegister(registry: VesselRegistry, bytes: Uint8Array, options: { dryRun?: boolean } = {}): ImportReport {
  const { text, encoding } = decodeRegister(bytes);
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    throw new RegisterFileError((e as Error).message);
  }
  if (records.length === 0) throw new RegisterFileError(`the file is empty; its first line must name the columns (${REGISTER_COLUMNS.map((c) => c.name).join(',')})`);
  const [header, ...rows] = records;
  const { columns, warnings } = readHeader(header);
  const report: ImportReport = { encoding, created: 0, updated: 0, unchanged: 0, rejected: [], warnings, dryRun: options.dryRun ?? false };

  const dryRunDone = new Error('dry run: roll back');
  try {
    registry.batch(() => {
      for (const row of rows) {
        try {
          report[applyRow(registry, rowValues(row, columns))]++;
        } catch (e) {
          if (e instanceof RowError || e instanceof RegistryError) report.rejected.push({ line: row.line, message: e.message });
          else throw e;
        }
      }
      if (report.dryRun) throw dryRunDone;
    });
  } catch (e) {
    if (e !== dryRunDone) throw e;
  }
  return report;
}

/** UTF-8 (a BOM is dropped) or, when the bytes are not valid UTF-8, GBK as Chinese Excel saves CSV. */
export function decodeRegister(bytes: Uint8Array): { text: string; encoding: ImportReport['encoding'] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RegisterFileError('the file is UTF-16 ("Unicode text"); save it as "CSV UTF-8" or plain CSV');
  }
  try {
    // TextDecoder drops a UTF-8 BOM by itself.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030'), encoding: 'GBK' };
  }
}

/** `Length (m)`, `船长（米）`, ` HULL-NAME ` → the bare lower-case name, `_` for spaces and dashes. */
function headerName(cell: string): string {
  return cell
    .normalize('NFKC')
    .trim()
    .replace(/\s*\([^)]*\)$/, '')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

interface ColumnAt {
  field: Field;
  index: number;
  /** As the file spells it, for messages. */
  header: string;
}

function readHeader(header: CsvRecord): { columns: ColumnAt[]; warnings: string[] } {
  const columns: ColumnAt[] = [];
  const warnings: string[] = [];
  header.cells.forEach((cell, index) => {
    const name = headerName(cell);
    const column = REGISTER_COLUMNS.find((c) => c.name === name || c.aliases.includes(name));
    if (!column) {
      if (name !== '') warnings.push(`column "${cell.trim()}" is not one Tidewatch knows; it is ignored`);
      return;
    }
    const twin = columns.find((c) => c.field === column.field);
    if (twin) throw new RegisterFileError(`columns "${twin.header}" and "${cell.trim()}" both give ${column.name}; keep one`);
    columns.push({ field: column.field, index, header: cell.trim() });
  });
  if (!columns.some((c) => c.field === 'hullName')) {
    throw new RegisterFileError(
      `line ${header.line}: no hull_name (船名号) column; the first line must name the columns, e.g. ${REGISTER_COLUMNS.map((c) => c.name).join(',')}`,
    );
  }
  return { columns, warnings };
}

class RowError extends Error {}

interface RowValues {
  cells: Partial<Record<Field, string>>;
  headers: Partial<Record<Field, string>>;
}

/** Non-empty cells by field; NFKC turns full-width digits and letters (typed with Chinese input methods) into ASCII. */
function rowValues(row: CsvRecord, columns: readonly ColumnAt[]): RowValues {
  const values: RowValues = { cells: {}, headers: {} };
  for (const c of columns) {
    const cell = (row.cells[c.index] ?? '').normalize('NFKC').trim();
    values.headers[c.field] = c.header;
    if (cell !== '') values.cells[c.field] = cell;
  }
  return values;
}

const decimal = (rule: z.ZodNumber) => z.string().regex(/^\d+(\.\d+)?$/, 'must be a plain number such as 12.5').transform(Number).pipe(rule);

const ROW = z.object({
  hullName: z
    .string({ message: 'is required: the hull name 船名号 is the vessel id' })
    .pipe(VESSEL_FIELDS.hullName)
    .refine(isVesselId, "must not contain ':' or start with a space"),
  registryNo: VESSEL_FIELDS.registryNo.optional(),
  name: VESSEL_FIELDS.name.optional(),
  owner: VESSEL_FIELDS.owner.optional(),
  ownerPhone: VESSEL_FIELDS.ownerPhone.optional(),
  gearType: VESSEL_FIELDS.gearType.optional(),
  homePort: VESSEL_FIELDS.homePort.optional(),
  terminalModel: VESSEL_FIELDS.terminalModel.optional(),
  length: decimal(VESSEL_FIELDS.length).optional(),
  power: decimal(VESSEL_FIELDS.power).optional(),
  mmsi: MMSI.optional(),
  bdsCard: BDS_CARD.optional(),
  validFrom: isoTime.optional(),
});

type Row = z.infer<typeof ROW>;

function parseRow({ cells, headers }: RowValues): Row {
  const result = ROW.safeParse(cells);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path[0] as Field;
  const column = headers[field] ?? REGISTER_COLUMNS.find((c) => c.field === field)?.name;
  const got = cells[field] === undefined ? '' : ` (got ${JSON.stringify(cells[field])})`;
  throw new RowError(`column ${column}: ${issue.message}${got}`);
}

/** Create, update or leave one vessel as the row says. */
function applyRow(registry: VesselRegistry, values: RowValues): 'created' | 'updated' | 'unchanged' {
  const row = parseRow(values);
  const { mmsi, bdsCard, validFrom, ...fields } = row;
  const keys = [...(mmsi ? [`mmsi:${mmsi}`] : []), ...(bdsCard ? [`bds:${bdsCard}`] : [])];
  const current = registry.get(row.hullName);
  const wanted: Vessel = {
    ...current,
    id: row.hullName,
    ...fields,
    identifiers: mergeIdentifiers(current?.identifiers ?? [], keys, validFrom),
  };
  if (current && sameRegistration(current, wanted)) return 'unchanged';
  registry.upsert(wanted);
  return current ? 'updated' : 'created';
}

/**
 * The vessel's bindings after the row: a key it already holds stays as it is; a new MMSI or card
 * takes over from the current one of its kind at `validFrom`, which closes the old binding.
 */
function mergeIdentifiers(current: readonly IdentifierBinding[], keys: readonly string[], validFrom: number | undefined): IdentifierBinding[] {
  const result = current.map((b) => ({ ...b }));
  for (const key of keys) {
    const open = result.filter((b) => b.validTo === undefined);
    if (open.some((b) => b.key === key)) continue;
    const scheme = key.slice(0, key.indexOf(':') + 1);
    for (const old of open.filter((b) => b.key.startsWith(scheme))) {
      if (validFrom === undefined) {
        throw new RowError(`${old.key} becomes ${key}: fill valid_from with the date the new one took effect, so fixes before it stay with the old one`);
      }
      if (validFrom <= (old.validFrom ?? 0)) {
        throw new RowError(`valid_from ${new Date(validFrom).toISOString()} is not after ${old.key} took effect (${new Date(old.validFrom ?? 0).toISOString()})`);
      }
      old.validTo = validFrom;
    }
    result.push({ key, ...(validFrom !== undefined ? { validFrom } : {}) });
  }
  return result;
}

const COMPARED: readonly (keyof Vessel)[] = ['hullName', 'registryNo', 'name', 'owner', 'ownerPhone', 'gearType', 'homePort', 'terminalModel', 'length', 'power'];

function sameRegistration(a: Vessel, b: Vessel): boolean {
  const canonical = (v: Vessel) =>
    JSON.stringify([
      COMPARED.map((f) => v[f] ?? null),
      v.identifiers.map((i) => [i.key, i.validFrom ?? 0, i.validTo ?? null, i.terminalModel ?? null].join('\u0000')).sort(),
    ]);
  return canonical(a) === canonical(b);
}
