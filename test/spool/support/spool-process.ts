import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolTarget } from '../../../gateway/store/spool.js';
import { StoreUnavailableError, type SeriesRecord } from '../../../gateway/store/types.js';
import type { ChildOptions, FromChild, ToChild } from './protocol.js';
import { transpileForChild } from './transpile.js';

let childDir: string | undefined;
let childScript: string | undefined;

/** Removes the transpiled child program (call from afterAll). */
export function removeChildProgram(): void {
  if (childDir) rmSync(childDir, { recursive: true, force: true });
  childDir = childScript = undefined;
}

/** A Spool running in a child process (spool-child.ts) over `store`, which stays in this process. */
export class SpoolProcess {
  private readonly calls = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 1;
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly store: SpoolTarget,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (msg: FromChild) => this.onMessage(msg));
    void this.exited.then(() => {
      for (const call of this.calls.values()) call.reject(new Error('spool process exited'));
      this.calls.clear();
    });
  }

  static async start(store: SpoolTarget, options: ChildOptions): Promise<SpoolProcess> {
    if (!childScript) {
      childDir = mkdtempSync(join(tmpdir(), 'tidewatch-spool-child-'));
      childScript = transpileForChild(join(import.meta.dirname, 'spool-child.ts'), childDir);
    }
    const child = fork(childScript, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const p = new SpoolProcess(child, store);
    await p.request({ op: 'open', options }, 0);
    return p;
  }

  append(records: SeriesRecord[]): Promise<void> {
    const id = this.nextId++;
    return this.request({ op: 'append', id, records }, id);
  }

  drained(): Promise<void> {
    const id = this.nextId++;
    return this.request({ op: 'drained', id }, id);
  }

  async close(): Promise<void> {
    const id = this.nextId++;
    await this.request({ op: 'close', id }, id);
    await this.exited;
  }

  /** A crash: SIGKILL, whatever the spool is doing. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private request(msg: ToChild, id: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.child.send(msg, (err) => {
        if (!err) return;
        this.calls.delete(id);
        reject(new Error(`spool process gone: ${err.message}`));
      });
    });
  }

  private onMessage(msg: FromChild): void {
    if (msg.op === 'done') {
      const call = this.calls.get(msg.id);
      this.calls.delete(msg.id);
      if (msg.error === undefined) call?.resolve();
      else call?.reject(new Error(msg.error));
      return;
    }
    const work = msg.op === 'store-write' ? this.store.write(msg.records) : this.store.ping();
    work.then(
      () => this.reply({ op: 'store-result', id: msg.id }),
      (err: Error) => this.reply({ op: 'store-result', id: msg.id, error: { unavailable: err instanceof StoreUnavailableError, message: err.message } }),
    );
  }

  /** Answers a store call; one from a killed process has nobody to go to. */
  private reply(msg: ToChild): void {
    if (this.child.connected) this.child.send(msg, () => {});
  }
}
