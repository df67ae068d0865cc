import type { ApiClient } from './api-client.js';
import type { Alert, AlertChangeKind, PositionFeature } from './api-types.js';

/**
 * The live WebSocket (/api/v1/live, api/live.ts): positions, alert changes and buoy observations
 * as the gateway pushes them, batched by the server every 250 ms. Reconnects with a growing delay
 * after a drop, and says so, so the status bar can show it.
 */

export type LiveState = 'connecting' | 'open' | 'closed';

export interface LiveHandlers {
  positions(features: PositionFeature[]): void;
  alert(change: AlertChangeKind, alert: Alert): void;
  /** Alert changes were lost (the connection read too slowly): the list must be fetched again. */
  alertsDropped(count: number): void;
  observations(observations: { deviceId: string; time: string; variable: string; value: number; unit: string }[]): void;
  state(state: LiveState, detail?: string): void;
}

const LIVE_PATH = '/api/v1/live';
const MAX_RETRY_MS = 30_000;

export function connectLive(api: ApiClient, handlers: LiveHandlers): { close(): void } {
  let socket: WebSocket | undefined;
  let retryMs = 1000;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    handlers.state('connecting');
    const ws = new WebSocket(api.liveUrl(LIVE_PATH));
    socket = ws;
    ws.onopen = () => {
      retryMs = 1000;
      ws.send(JSON.stringify({ subscribe: { positions: {}, alerts: true, observations: {} } }));
      handlers.state('open');
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as Record<string, unknown>;
      switch (message.type) {
        case 'positions':
          handlers.positions(message.features as PositionFeature[]);
          break;
        case 'alert':
          handlers.alert(message.change as AlertChangeKind, message.alert as Alert);
          break;
        case 'alerts_dropped':
          handlers.alertsDropped(message.count as number);
          break;
        case 'observations':
          handlers.observations(message.observations as Parameters<LiveHandlers['observations']>[0]);
          break;
        case 'subscribed':
          break;
        default:
          if (message.error) handlers.state('closed', (message.error as { message: string }).message);
      }
    };
    ws.onclose = (event) => {
      if (stopped) return;
      handlers.state('closed', event.reason || undefined);
      retry = setTimeout(open, retryMs);
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
    };
  };
  open();
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      socket?.close(1000, 'page closed');
    },
  };
}
