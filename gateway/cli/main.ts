#!/usr/bin/env node
import { runDecode, DECODE_HELP } from './decode.js';
import { runDemo, DEMO_HELP } from './demo.js';
import { REGISTRY_HELP, runRegistry } from './registry.js';
import { RULES_HELP, runRules } from './rules.js';
import { runServe, SERVE_HELP } from './serve.js';
import { runSimulate, SIMULATE_HELP } from './simulate.js';
import { runToken, TOKEN_HELP } from './token.js';
import { readVersion } from './version.js';

/** `tidewatch <command>`: one entry point, one module per subcommand. */
const COMMANDS: Record<string, { summary: string; help: string; run: (argv: string[]) => Promise<number> }> = {
  decode: { summary: 'decode NMEA/AIS/Beidou lines or protobuf frames to NDJSON', help: DECODE_HELP, run: runDecode },
  demo: { summary: 'decode the bundled Rizhao sample data and print a summary', help: DEMO_HELP, run: runDemo },
  registry: { summary: "import the bureau's vessel register (CSV) and list registered vessels", help: REGISTRY_HELP, run: runRegistry },
  rules: { summary: 're-evaluate stored history with the rules (e.g. after adding a zone)', help: RULES_HELP, run: runRules },
  serve: { summary: 'run gateway, API and viewer (with --simulate: and a simulated fleet)', help: SERVE_HELP, run: runServe },
  simulate: { summary: 'drive a simulated Rizhao fleet and buoys against a gateway', help: SIMULATE_HELP, run: runSimulate },
  token: { summary: 'create, list and revoke access tokens', help: TOKEN_HELP, run: runToken },
};

const USAGE = `tidewatch — fisheries and ocean telemetry gateway

Usage: tidewatch <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'tidewatch <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${readVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`tidewatch: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tidewatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
