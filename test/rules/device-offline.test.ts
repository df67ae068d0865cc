import { describe, expect, it } from 'vitest';
import type { DeviceHealth } from '../../core/records.js';
import { DEFAULT_DEVICE_OFFLINE_CONFIG, DeviceOfflineRule } from '../../gateway/rules/device-offline.js';
import { HOUR, MINUTE, observation, RecordingSink, T0 } from './behaviour-support.js';

const BUOY = 'BUOY-RZ-001';
const SST = 'sea_surface_temperature';

const health = (deviceId: string, time: number): DeviceHealth => ({ kind: 'device-health', deviceId, time, battery: 12.6 });

describe('device offline', () => {
  it('raises after 30 min without a frame and closes when the buoy reports again', () => {
    const rule = new DeviceOfflineRule();
    const sink = new RecordingSink();
    // Batches every 10 min, the last sample of each is what counts.
    for (let t = T0; t <= T0 + HOUR; t += 10 * MINUTE) rule.onObservation(observation(BUOY, t, SST, 21.3, 'degC'), sink);
    const lastTime = T0 + HOUR;
    rule.onTick(lastTime + 30 * MINUTE, sink);
    expect(sink.raised).toEqual([]);
    rule.onTick(lastTime + 31 * MINUTE, sink);
    rule.onTick(lastTime + 2 * HOUR, sink);
    expect(sink.raised).toHaveLength(1);
    expect(sink.raised[0]).toMatchObject({ type: 'device_offline', device: BUOY, time: lastTime, dedupeKey: `device_offline:${BUOY}:${lastTime}` });
    rule.onDeviceHealth(health(BUOY, lastTime + 3 * HOUR), sink);
    expect(sink.resolved).toEqual([{ dedupeKey: `device_offline:${BUOY}:${lastTime}`, time: lastTime + 3 * HOUR, details: { silenceS: 3 * 3600 } }]);
  });

  it('honours a per-device period and health frames alone keep a device online', () => {
    const rule = new DeviceOfflineRule({ ...DEFAULT_DEVICE_OFFLINE_CONFIG, offlineAfterMsByDevice: { 'BUOY-SLOW': 3 * HOUR } });
    const sink = new RecordingSink();
    rule.onDeviceHealth(health('BUOY-SLOW', T0), sink);
    for (let t = T0; t <= T0 + 4 * HOUR; t += 20 * MINUTE) rule.onDeviceHealth(health(BUOY, t), sink);
    rule.onTick(T0 + 2 * HOUR, sink);
    expect(sink.raised).toEqual([]);
    rule.onTick(T0 + 4 * HOUR, sink);
    expect(sink.raised.map((r) => r.device)).toEqual(['BUOY-SLOW']);
  });

  it('raises and closes at once for a silence no tick saw (replay)', () => {
    const rule = new DeviceOfflineRule();
    const sink = new RecordingSink();
    rule.onObservation(observation(BUOY, T0, SST, 21, 'degC'), sink);
    rule.onObservation(observation(BUOY, T0 + HOUR, SST, 21, 'degC'), sink);
    expect(sink.incidents()).toEqual([`device_offline:${BUOY}:${T0}`]);
    expect(sink.ongoing()).toEqual([]);
  });
});

describe('device offline across a restart', () => {
  it('takes over an offline device: raises nothing more, and closes the alert when the buoy reports again', () => {
    const sink = new RecordingSink();
    const before = new DeviceOfflineRule();
    before.onObservation(observation(BUOY, T0, SST, 21, 'degC'), sink);
    before.onTick(T0 + HOUR, sink);
    const key = `device_offline:${BUOY}:${T0}`;
    expect(sink.ongoing()).toEqual([key]);

    const restarted = sink.restartInto(new DeviceOfflineRule());
    restarted.onTick(T0 + 3 * HOUR, sink);
    restarted.onDeviceHealth(health(BUOY, T0 + 4 * HOUR), sink);
    expect(sink.incidents()).toEqual([key]);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: T0 + 4 * HOUR, details: { silenceS: 4 * 3600 } }]);
  });
});
