import { createLogger } from '../../../core/log.js';
import { Spool } from '../../../gateway/store/spool.js';
import type { SpoolTarget } from '../../../gateway/store/spool.js';
import { StoreUnavailableError, type SeriesRecord, } from '../../../gateway/store/types.js';
import type { FromChild, ToChild } from './protocol.js';

/**
 * A spool in a process of its own, so that a test can SIGKILL it mid-stream. Its store is the
 * test's: every write and ping goes to the parent over IPC and waits for the answer.
 */

const send = (msg: FromChild) => process.send!(msg);
const storeCalls = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
let nextCall = 1;

function callParent(msg: { op: 'store-write'; records: SeriesRecord[] } | { op: 'store-ping' }): Promise<void> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    storeCalls.set(id, { resolve, reject });
    send({ ...msg, id });
  });
}

const store: SpoolTarget = {
  kind: 'parent',
  write: (records) => callParent({ op: 'store-write', records: [...records] }),
  ping: () => callParent({ op: 'store-ping' }),
};

let spool: Spool | undefined;

function answer(id: number, work: Promise<unknown>): void {
  work.then(
    () => send({ op: 'done', id }),
    (err: Error) => send({ op: 'done', id, error: err.message }),
  );
}

process.on('message', (msg: ToChild) => {
  switch (msg.op) {
    case 'open':
      answer(
        0,
        Spool.open({ ...msg.options, store, logger: createLogger('error') }).then((s) => {
          spool = s;
        }),
      );
      break;
    case 'append':
      answer(msg.id, spool!.append(msg.records));
      break;
    case 'drained':
      answer(msg.id, spool!.drained());
      break;
    case 'close':
      spool!.close().then(
        () => {
          send({ op: 'done', id: msg.id });
          process.disconnect(); // nothing left to keep the process alive: it exits
        },
        (err: Error) => send({ op: 'done', id: msg.id, error: err.message }),
      );
      break;
    case 'store-result': {
      const call = storeCalls.get(msg.id)!;
      storeCalls.delete(msg.id);
      if (!msg.error) call.resolve();
      else call.reject(msg.error.unavailable ? new StoreUnavailableError(msg.error.message) : new Error(msg.error.message));
      break;
    }
  }
});
