import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { BanAtSeaRule } from '../../gateway/rules/ban-at-sea.js';
import { BanCalendar, BanCalendarError, DEFAULT_BAN_CALENDAR, localDate, localTimeToUtc, normaliseGear, type BanCalendarJson } from '../../gateway/rules/ban-calendar.js';
import { loadBanCalendar } from '../../gateway/rules/index.js';
import { context, fix, HOUR, MINUTE, RecordingSink, SECOND } from './behaviour-support.js';

const calendar = BanCalendar.parse(DEFAULT_BAN_CALENDAR);
/** Off Rizhao, north of 35°N. */
const RIZHAO_SEA = { lon: 119.8, lat: 35.3 };
/** Off Lianyungang, between 35°N and 26°30′N. */
const SOUTH_SEA = { lon: 120.5, lat: 34.5 };
/** 12:00 Beijing time (UTC+8) is 04:00 UTC. */
const noonBeijing = (date: string) => Date.parse(`${date}T04:00:00Z`);

describe('ban calendar: the 2023+ summer ban off Rizhao', () => {
  it('starts at 12:00 Beijing time on 05-01 and ends, excluded, at 12:00 on 09-01 north of 35°N', () => {
    const start = noonBeijing('2026-05-01');
    const end = noonBeijing('2026-09-01');
    const at = (t: number, gear?: string) => calendar.banAt(RIZHAO_SEA.lon, RIZHAO_SEA.lat, t, gear);
    expect(at(start - SECOND, 'trawl')).toBeUndefined();
    expect(at(start, 'trawl')).toMatchObject({ areaId: 'bohai-yellow-sea-north-of-35n', start, end });
    expect(at(end - SECOND, 'purse-seine')?.end).toBe(end);
    expect(at(end, 'trawl')).toBeUndefined();
    // A fishing vessel of unknown gear is held to the general period.
    expect(at(start, undefined)?.end).toBe(end);
  });

  it('between 35°N and 26°30′N: gillnets until 08-01, stow nets until 09-01, the rest until 09-16', () => {
    const at = (date: string, gear: string) => calendar.banAt(SOUTH_SEA.lon, SOUTH_SEA.lat, noonBeijing(date) - SECOND, gear);
    expect(at('2026-08-01', 'gillnet')?.end).toBe(noonBeijing('2026-08-01'));
    expect(calendar.banAt(SOUTH_SEA.lon, SOUTH_SEA.lat, noonBeijing('2026-08-01'), 'gillnet')).toBeUndefined();
    expect(at('2026-09-01', 'stow-net')?.end).toBe(noonBeijing('2026-09-01'));
    expect(at('2026-09-16', 'trawl')?.end).toBe(noonBeijing('2026-09-16'));
    expect(at('2026-09-16', 'purse-seine')?.areaId).toBe('yellow-east-china-sea-35n-to-26-30n');
  });

  it('leaves hook and line out, and nothing is banned outside the areas or outside the season', () => {
    expect(calendar.banAt(RIZHAO_SEA.lon, RIZHAO_SEA.lat, noonBeijing('2026-06-01'), 'hook-and-line')).toBeUndefined();
    expect(calendar.banAt(SOUTH_SEA.lon, SOUTH_SEA.lat, noonBeijing('2026-06-01'), 'hook-and-line')).toBeUndefined();
    expect(calendar.banAt(112, 18, noonBeijing('2026-06-01'), 'trawl')).toBeUndefined();
    expect(calendar.banAt(RIZHAO_SEA.lon, RIZHAO_SEA.lat, noonBeijing('2026-10-01'), 'trawl')).toBeUndefined();
    expect(calendar.anyBanAt(noonBeijing('2026-06-01'))).toBe(true);
    expect(calendar.anyBanAt(noonBeijing('2026-12-01'))).toBe(false);
  });

  it('reads gear names as registers write them', () => {
    for (const name of ['purse-seine', 'purse_seine', 'Purse seine', '围网', 'PURSE SEINE']) expect(normaliseGear(name)).toBe('purse-seine');
    expect(normaliseGear('拖网')).toBe('trawl');
    expect(normaliseGear('stow_net')).toBe('stow-net');
    expect(normaliseGear('钓具')).toBe('hook-and-line');
    expect(normaliseGear('  ')).toBeUndefined();
    expect(normaliseGear('cage-culture')).toBe('cage-culture');
  });

  it('converts local times with the time zone, daylight saving included', () => {
    expect(localTimeToUtc(2026, '05-01 12:00', 'Asia/Shanghai')).toBe(noonBeijing('2026-05-01'));
    expect(localTimeToUtc(2026, '07-01 12:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z'));
    expect(localTimeToUtc(2026, '01-15 12:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-15T11:00:00Z'));
    expect(localDate(Date.parse('2026-04-30T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-05-01');
  });

  it('refuses a bad calendar, naming the place', () => {
    const bad = (patch: (c: BanCalendarJson) => void) => {
      const c = structuredClone(DEFAULT_BAN_CALENDAR);
      patch(c);
      return () => BanCalendar.parse(c, 'bureau.json');
    };
    expect(bad((c) => (c.areas[0].periods[0].start = '5-1 12:00'))).toThrow(/bureau\.json: areas\.0\.periods\.0\.start: must be a local time of the year/);
    expect(bad((c) => (c.areas[0].periods[0].end = '04-01 12:00'))).toThrow(/areas\.0\.periods\.0\.end: end must be after start/);
    expect(bad((c) => (c.timezone = 'Mars/Olympus'))).toThrow(BanCalendarError);
    expect(bad((c) => (c.permits = [{ vessel: '鲁日渔60123', from: 'soon', to: '2026-09-01' }]))).toThrow(/permits\.0\.from/);
  });

  it('loads a bureau’s calendar from TIDEWATCH_BAN_CALENDAR, and stops the start on a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-ban-'));
    try {
      const file = join(dir, 'ban.json');
      writeFileSync(file, JSON.stringify({ ...DEFAULT_BAN_CALENDAR, permits: [{ vessel: '鲁日渔60123', from: '2026-05-01T00:00:00+08:00', to: '2026-06-01T00:00:00+08:00', note: '专项捕捞许可' }] }));
      const loaded = loadBanCalendar(file);
      expect(loaded.permitFor(['鲁日渔60123'], noonBeijing('2026-05-10'))).toMatchObject({ note: '专项捕捞许可' });
      expect(loaded.permitFor(['鲁日渔60123'], noonBeijing('2026-06-10'))).toBeUndefined();
      expect(loaded.toJson().permits).toEqual([{ vessel: '鲁日渔60123', from: '2026-04-30T16:00:00.000Z', to: '2026-05-31T16:00:00.000Z', note: '专项捕捞许可' }]);
      writeFileSync(file, '{"areas": [');
      expect(() => loadBanCalendar(file)).toThrow(ConfigError);
      expect(() => loadBanCalendar(file)).toThrow(/TIDEWATCH_BAN_CALENDAR: the ban calendar .* is not JSON/);
      expect(() => loadBanCalendar(join(dir, 'missing.json'))).toThrow(/cannot read the ban calendar/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ban_at_sea', () => {
  const START = noonBeijing('2026-05-01');
  const trawler = (extra: Partial<ReturnType<typeof context>> = {}) => context('鲁日渔60123', { traits: { vessel: '鲁日渔60123', keys: ['mmsi:412325670'], gearType: 'trawl' }, ...extra });
  const at = (t: number) => fix('mmsi:412325670', t, RIZHAO_SEA.lat, RIZHAO_SEA.lon, { sog: 3 });

  it('one alert per trip at sea during the ban, merged, ended when back in port', () => {
    const sink = new RecordingSink();
    const rule = new BanAtSeaRule(calendar);
    rule.onFix(at(START - MINUTE), trawler(), sink);
    expect(sink.raised).toEqual([]);
    for (let t = START; t < START + 3 * HOUR; t += 10 * MINUTE) rule.onFix(at(t), trawler(), sink);
    expect(sink.incidents()).toEqual([`ban_at_sea:鲁日渔60123:${START}`]);
    // Merged at most every 30 min: at 0, 30, 60… of the 3 h.
    expect(sink.raised).toHaveLength(6);
    expect(sink.raised[0]).toMatchObject({ type: 'ban_at_sea', severity: 'critical', vessel: '鲁日渔60123', details: { gear: 'trawl', banEnd: '2026-09-01T04:00:00.000Z' } });
    rule.onFix(at(START + 4 * HOUR), trawler({ inPort: true }), sink);
    expect(sink.resolved).toEqual([{ dedupeKey: `ban_at_sea:鲁日渔60123:${START}`, time: START + 4 * HOUR, details: { ended: 'in_port' } }]);
  });

  it('not for a vessel in port, a permitted vessel, hook and line, or a vessel not known to fish', () => {
    const permitted = BanCalendar.parse({ ...DEFAULT_BAN_CALENDAR, permits: [{ vessel: 'mmsi:412325670', from: '2026-05-01', to: '2026-09-01' }] });
    const sink = new RecordingSink();
    new BanAtSeaRule(calendar).onFix(at(START), trawler({ inPort: true }), sink);
    new BanAtSeaRule(permitted).onFix(at(START), trawler(), sink);
    new BanAtSeaRule(calendar).onFix(at(START), context('鲁日渔60124', { traits: { vessel: '鲁日渔60124', gearType: '钓具' } }), sink);
    new BanAtSeaRule(calendar).onFix(at(START), context('mmsi:412999999'), sink);
    expect(sink.raised).toEqual([]);
    // AIS ship type 30 (fishing) of an unregistered vessel is enough.
    new BanAtSeaRule(calendar).onFix(at(START), context('mmsi:412999999', { traits: { vessel: 'mmsi:412999999', shipType: 30 } }), sink);
    expect(sink.raised.map((r) => r.details?.gear)).toEqual(['unknown']);
  });
});
