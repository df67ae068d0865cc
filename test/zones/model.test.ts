import { describe, expect, it } from 'vitest';
import { coversVessel, isInForceAt, type TimeWindow } from '../../gateway/zones/model.js';

const t = (s: string) => Date.parse(s);
const holds = (w: Omit<TimeWindow, 'timezone'> & { timezone?: string }, time: string) => isInForceAt({ windows: [{ timezone: 'Asia/Shanghai', ...w }] }, t(time));

describe('time windows', () => {
  it('no windows: always in force', () => {
    expect(isInForceAt({ windows: [] }, t('2026-01-01T00:00:00Z'))).toBe(true);
  });

  it('the 伏季休渔 summer ban, 05-01 to 09-16 inclusive, in Beijing time', () => {
    const ban = { yearly: { start: '05-01', end: '09-16' } };
    expect(holds(ban, '2026-04-30T15:59:00Z')).toBe(false); // 04-30 23:59 in Rizhao
    expect(holds(ban, '2026-04-30T16:00:00Z')).toBe(true); // 05-01 00:00
    expect(holds(ban, '2026-09-16T15:59:00Z')).toBe(true); // 09-16 23:59
    expect(holds(ban, '2026-09-16T16:00:00Z')).toBe(false); // 09-17 00:00
  });

  it('a yearly window across New Year', () => {
    const winter = { yearly: { start: '12-01', end: '02-28' } };
    expect(holds(winter, '2026-12-15T00:00:00Z')).toBe(true);
    expect(holds(winter, '2027-01-15T00:00:00Z')).toBe(true);
    expect(holds(winter, '2027-03-15T00:00:00Z')).toBe(false);
  });

  it('a daily window across midnight, end excluded; 24:00 ends at midnight', () => {
    const night = { daily: { start: '20:00', end: '06:00' } };
    expect(holds(night, '2026-06-01T12:00:00Z')).toBe(true); // 20:00 local
    expect(holds(night, '2026-06-01T21:59:00Z')).toBe(true); // 05:59
    expect(holds(night, '2026-06-01T22:00:00Z')).toBe(false); // 06:00
    expect(holds({ daily: { start: '18:00', end: '24:00' } }, '2026-06-01T15:59:00Z')).toBe(true); // 23:59
  });

  it('absolute bounds, from included and to excluded; every part must hold', () => {
    const w = { from: t('2026-05-01T00:00:00Z'), to: t('2026-06-01T00:00:00Z'), daily: { start: '08:00', end: '17:00' }, timezone: 'UTC' };
    expect(holds(w, '2026-05-01T08:00:00Z')).toBe(true);
    expect(holds(w, '2026-05-01T07:59:00Z')).toBe(false);
    expect(holds(w, '2026-06-01T08:00:00Z')).toBe(false);
  });

  it('any window of several', () => {
    const windows: TimeWindow[] = [
      { yearly: { start: '05-01', end: '05-31' }, timezone: 'Asia/Shanghai' },
      { yearly: { start: '08-01', end: '08-31' }, timezone: 'Asia/Shanghai' },
    ];
    expect(isInForceAt({ windows }, t('2026-08-10T00:00:00Z'))).toBe(true);
    expect(isInForceAt({ windows }, t('2026-07-10T00:00:00Z'))).toBe(false);
  });
});

describe('vessel filters', () => {
  const trawler = { vessel: '鲁日渔60123', keys: ['mmsi:412325670'], gearType: 'trawl', shipType: 30 };
  it('no filter covers every vessel', () => {
    expect(coversVessel(undefined, trawler)).toBe(true);
  });
  it('every criterion given must match', () => {
    expect(coversVessel({ gearTypes: ['trawl'] }, trawler)).toBe(true);
    expect(coversVessel({ gearTypes: ['trawl'], shipTypes: [52] }, trawler)).toBe(false);
    expect(coversVessel({ gearTypes: ['gillnet'] }, trawler)).toBe(false);
    expect(coversVessel({ gearTypes: ['trawl'] }, { vessel: 'mmsi:412000001' })).toBe(false);
  });
  it('vessels by id or identifier key; exclusions win', () => {
    expect(coversVessel({ vessels: ['mmsi:412325670'] }, trawler)).toBe(true);
    expect(coversVessel({ vessels: ['鲁日渔60999'] }, trawler)).toBe(false);
    expect(coversVessel({ gearTypes: ['trawl'], excludeVessels: ['鲁日渔60123'] }, trawler)).toBe(false);
  });
});
