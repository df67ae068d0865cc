import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../../core/paths.js';

/**
 * Node 20 cannot run TypeScript, and a crash test needs the spool in a process of its own that it
 * can SIGKILL. This writes `entry` and every module it imports by relative path, as JavaScript, to
 * the same places under `outDir`, and returns the entry's JavaScript path.
 */
export function transpileForChild(entry: string, outDir: string): string {
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const source = queue.pop()!;
    if (seen.has(source)) continue;
    seen.add(source);
    const text = readFileSync(source, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      const dep = resolve(dirname(source), `${m[1]}.ts`);
      if (existsSync(dep)) queue.push(dep);
    }
    const { outputText } = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    });
    const out = join(outDir, relative(PACKAGE_ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return join(outDir, relative(PACKAGE_ROOT, resolve(entry))).replace(/\.ts$/, '.js');
}
