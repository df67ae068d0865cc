import type { EventEmitter } from 'node:events';

/**
 * Waits for a server or UDP socket to start listening, turning a failure into a message that says
 * what to change. `what` names the listener and its setting, e.g. `NMEA TCP`.
 */
export function whenListening(emitter: EventEmitter, what: string, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      emitter.off('listening', onListening);
      reject(new Error(`cannot listen for ${what} on ${host}:${port}: ${advice(err)}`, { cause: err }));
    };
    const onListening = () => {
      emitter.off('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once('listening', onListening);
  });
}

function advice(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'the port is already in use; stop the other program or choose another port (0 in the configuration turns the listener off)';
    case 'EACCES':
      return 'permission denied; ports below 1024 need privileges, choose a higher port';
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return 'that host is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its interface addresses';
    default:
      return err.message;
  }
}
