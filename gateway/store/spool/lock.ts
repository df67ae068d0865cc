import { open, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One spool directory, one owner: two drains over the same segments would delete each other's
 * data. A `LOCK` file holds the owner's pid; a lock whose process is gone (a crash) is taken over.
 */

const heldHere = new Set<string>();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock; resolves with the function that releases it. */
export async function lockSpoolDir(dir: string): Promise<() => Promise<void>> {
  const key = await realpath(dir);
  if (heldHere.has(key)) throw new Error(`the spool in ${dir} is already open in this process: close() it before opening it again`);
  const file = join(dir, 'LOCK');
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // Our own pid in the file is a previous life of this process's pid (containers reuse pid 1).
    if (Number.isSafeInteger(owner) && owner !== process.pid && running(owner)) {
      throw new Error(`the spool in ${dir} is in use by process ${owner}; stop that process, or delete ${file} if it is not a Tidewatch gateway`);
    }
    await rm(file, { force: true });
  }
  heldHere.add(key);
  return async () => {
    heldHere.delete(key);
    await rm(file, { force: true });
  };
}
