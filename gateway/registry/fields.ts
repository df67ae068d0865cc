import { z } from 'zod';
import { normaliseCard } from '../decoders/beidou/index.js';
import { isIdentifierKey, keyValue } from './registry.js';

/**
 * Rules for registry data, shared by `PUT /api/v1/vessels/:id` and `tidewatch registry import` so
 * both accept and refuse the same values with the same messages.
 */

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Digits with an optional leading +, spaces and dashes: 13805331234, 0633-8221234, +86 138 0533 1234. */
const PHONE = /^\+?\d[\d -]{4,22}\d$/;

export const VESSEL_FIELDS = {
  hullName: text(64),
  registryNo: text(64),
  name: text(64),
  owner: text(100),
  ownerPhone: z.string().trim().regex(PHONE, 'must be a phone number: digits, optionally a leading + and spaces or dashes (e.g. 0633-8221234)'),
  gearType: text(32),
  homePort: text(64),
  terminalModel: text(32),
  /** metres */
  length: z.number().positive('must be a positive number of metres').max(300, 'must be at most 300 m'),
  /** kW */
  power: z.number().positive('must be a positive number of kW').max(50_000, 'must be at most 50000 kW'),
};

export const MMSI = z.string().trim().regex(/^\d{9}$/, 'must be 9 digits');

/** A Beidou card number (用户地址) as the decoders key it: decimal, leading zeros dropped. */
export const BDS_CARD = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const card = normaliseCard(s);
    if (card === undefined || card.length > 11) {
      ctx.addIssue({ code: 'custom', message: 'must be a Beidou card number: up to 11 digits' });
      return z.NEVER;
    }
    return card;
  });

/** An identifier key; a card number loses its leading zeros, as the decoders key it. */
export const IDENTIFIER_KEY = z
  .string()
  .refine(isIdentifierKey, 'must be mmsi:<9 digits>, bds:<card number> or dev:<name without spaces>')
  .transform((key) => (key.startsWith('bds:') ? `bds:${normaliseCard(keyValue(key))}` : key));


