import { z } from 'zod';
import type { BuoyObservation } from '../../core/records.js';
import type { AlertChange } from '../../gateway/alerts/model.js';
import { alertJson } from '../routes/alerts.js';

/**
 * The live WebSocket's messages. A client sends one JSON text message to say what it wants;
 * sending another replaces the subscription. The server answers with `subscribed` or `error`,
 * then pushes `positions`, `observations`, `alert` and `alerts_dropped` messages.
 */

/** Buoys one subscription may name: enough for any fleet, small enough to filter per record. */
const MAX_BUOYS = 1000;

const longitude = z.number().min(-180, 'longitude must be -180..180 degrees').max(180, 'longitude must be -180..180 degrees');
const latitude = z.number().min(-90, 'latitude must be -90..90 degrees').max(90, 'latitude must be -90..90 degrees');

const bbox = z
  .tuple([longitude, latitude, longitude, latitude], { message: 'bbox must be [minLon, minLat, maxLon, maxLat] in degrees' })
  .refine(([minLon, minLat, maxLon, maxLat]) => minLon <= maxLon && minLat <= maxLat, 'bbox minimum is greater than its maximum');

const subscription = z.strictObject({
  /** Vessel positions, all or those inside `bbox`. */
  positions: z.strictObject({ bbox: bbox.optional() }).optional(),
  /** Alerts as they are raised, updated, resolved, acknowledged or closed. */
  alerts: z.boolean().optional(),
  /** Buoy observations, from all buoys or the listed device ids. */
  observations: z
    .strictObject({ buoys: z.array(z.string().min(1, 'a buoy id must not be empty')).min(1, 'buoys must name at least one buoy; leave it out for all').max(MAX_BUOYS).optional() })
    .optional(),
});

const clientMessage = z.strictObject({ subscribe: subscription });

export type Subscription = z.infer<typeof subscription>;

/** Shown with every rejected message, so the client sees what a good one looks like. */
export const SUBSCRIBE_EXAMPLE = '{"subscribe": {"positions": {"bbox": [119.2, 34.9, 119.9, 35.6]}, "alerts": true, "observations": {"buoys": ["BUOY-RZ-007"]}}}';

export type ClientMessageResult = { subscription: Subscription } | { problem: string };

/** A client's text message as a subscription, or what is wrong with it in words the client can act on. */
export function parseClientMessage(text: string): ClientMessageResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `the message is not JSON; send e.g. ${SUBSCRIBE_EXAMPLE}` };
  }
  const result = clientMessage.safeParse(json);
  if (result.success) return { subscription: result.data.subscribe };
  const issue = result.error.issues[0];
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { problem: `${where}${issue.message}; send e.g. ${SUBSCRIBE_EXAMPLE}` };
}

/** The reply to a rejected message, in the HTTP API's error shape; the connection stays open. */
export function badMessageReply(problem: string): string {
  return JSON.stringify({ error: { code: 'bad_message', message: problem } });
}

export function subscribedReply(subscription: Subscription): string {
  return JSON.stringify({ type: 'subscribed', subscription });
}

/** GeoJSON Point features as GET /api/v1/positions/latest gives them. */
export function positionsMessage(features: readonly unknown[]): string {
  return JSON.stringify({ type: 'positions', features });
}

export function observationsMessage(observations: readonly BuoyObservation[]): string {
  return JSON.stringify({
    type: 'observations',
    observations: observations.map((o) => ({ deviceId: o.deviceId, time: iso(o.time), variable: o.variable, value: o.value, unit: o.unit, depth: o.depth, sensorIndex: o.sensorIndex, qc: o.qc })),
  });
}

/** The alert as GET /api/v1/alerts/{id} gives it, and what happened to it. */
export function alertMessage({ change, alert }: AlertChange): string {
  return JSON.stringify({ type: 'alert', change, alert: alertJson(alert) });
}

export function alertsDroppedMessage(count: number): string {
  return JSON.stringify({
    type: 'alerts_dropped',
    count,
    message: `${count} alert updates were not sent because this connection read too slowly; GET /api/v1/alerts lists the current alerts`,
  });
}

const iso = (ms: number) => new Date(ms).toISOString();
