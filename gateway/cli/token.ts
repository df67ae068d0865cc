import { parseArgs } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { ROLES, createToken, isRole, listTokens, revokeToken, tokenNameProblem } from '../auth/tokens.js';
import { openConfigDb } from '../configdb/database.js';

export const TOKEN_HELP = `Usage: tidewatch token create --role ROLE --name NAME
       tidewatch token list
       tidewatch token revoke ID

Manages access tokens in the configuration database under TIDEWATCH_DATA_DIR.

  create   makes a token and prints it once: only its SHA-256 is stored, so it cannot be shown
           again (lost → revoke it and create another)
             --role   device, regulator, researcher or admin; device (or admin) tokens may
                      send data over the WebSocket ingest, the API decides what the others may do
             --name   who or what holds the token; for a device token, the device id it sends as
  list     shows every token's id, role, name, creation time and whether it is revoked (no secrets)
  revoke   stops the token with that id from working, at once and for good

Devices present a token as "Authorization: Bearer <token>" or "?token=<token>".
`;

class UsageError extends Error {}

export async function runToken(argv: string[]): Promise<number> {
  try {
    const [action, ...rest] = argv;
    switch (action) {
      case 'create':
        return create(rest);
      case 'list':
        return list(rest);
      case 'revoke':
        return revoke(rest);
      case undefined:
        throw new UsageError('say what to do: create, list or revoke');
      default:
        throw new UsageError(`unknown action '${action}'; expected create, list or revoke`);
    }
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err;
    process.stderr.write(`tidewatch token: ${(err as Error).message}\n\nRun 'tidewatch token --help' for usage.\n`);
    return 2;
  }
}

/** node:util parseArgs reports unknown options and missing values with ERR_PARSE_ARGS_* codes. */
function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
}

function openDb() {
  return openConfigDb(loadConfig().dataDir);
}

function create(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string' }, name: { type: 'string' } }, strict: true });
  const { role, name } = values;
  if (role === undefined) throw new UsageError(`--role is required: one of ${ROLES.join(', ')}`);
  if (!isRole(role)) throw new UsageError(`--role ${role} is not a role; use one of ${ROLES.join(', ')}`);
  if (name === undefined) throw new UsageError('--name is required (for a device token, the device id it sends as)');
  const problem = tokenNameProblem(name);
  if (problem) throw new UsageError(`--name: ${problem}`);
  const db = openDb();
  try {
    const { token, id } = createToken(db, { role, name });
    process.stdout.write(
      `Created ${role} token ${id} for "${name.trim()}":\n\n  ${token}\n\n` +
        'Copy it now: it is not stored and cannot be shown again (lost → revoke it and create another).\n',
    );
    return 0;
  } finally {
    db.close();
  }
}

function list(argv: string[]): number {
  parseArgs({ args: argv, options: {}, strict: true });
  const db = openDb();
  try {
    const tokens = listTokens(db);
    if (tokens.length === 0) {
      process.stdout.write("No tokens yet. Create one with 'tidewatch token create --role device --name NAME'.\n");
      return 0;
    }
    const rows = [['id', 'role', 'name', 'created', 'status']];
    for (const t of tokens) {
      const status = t.revokedAt === undefined ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
      rows.push([String(t.id), t.role, t.name, new Date(t.createdAt).toISOString(), status]);
    }
    const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
    process.stdout.write(rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col])).join('  ').trimEnd()).join('\n') + '\n');
    return 0;
  } finally {
    db.close();
  }
}

function revoke(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !/^\d+$/.test(positionals[0])) {
    throw new UsageError("revoke takes one token id (a number, see 'tidewatch token list')");
  }
  const id = Number(positionals[0]);
  const db = openDb();
  try {
    const result = revokeToken(db, id);
    if (result === 'not found') {
      process.stderr.write(`tidewatch token: no token with id ${id}; see 'tidewatch token list'\n`);
      return 1;
    }
    process.stdout.write(result === 'revoked' ? `Revoked token ${id}.\n` : `Token ${id} was already revoked.\n`);
    return 0;
  } finally {
    db.close();
  }
}
