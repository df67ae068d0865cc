import type { SpoolOptions } from '../../../gateway/store/spool.js';
import type { SeriesRecord } from '../../../gateway/store/types.js';

/** Messages between a test and the spool it runs in a child process (spool-child.ts). */

export type ChildOptions = Omit<SpoolOptions, 'store' | 'logger'>;

/** Test → child. */
export type ToChild =
  | { op: 'open'; options: ChildOptions }
  | { op: 'append'; id: number; records: SeriesRecord[] }
  | { op: 'drained'; id: number }
  | { op: 'close'; id: number }
  | { op: 'store-result'; id: number; error?: { unavailable: boolean; message: string } };

/** Child → test. */
export type FromChild =
  | { op: 'done'; id: number; error?: string }
  | { op: 'store-write'; id: number; records: SeriesRecord[] }
  | { op: 'store-ping'; id: number };
