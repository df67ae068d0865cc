import { statement, type ConfigDb } from '../configdb/database.js';
import {
  SEVERITIES,
  type Alert,
  type AlertChange,
  type AlertDetails,
  type AlertRaise,
  type AlertStatus,
  type AlertType,
  type AlertWithEvidence,
  type Evidence,
  type TriageStep,
} from './model.js';

/**
 * Alerts in the configuration database (migration 6). The rules engine raises and resolves them;
 * people acknowledge and close them. A raise whose dedupe key matches an ongoing alert merges into
 * it (later end time, one more occurrence, more evidence) instead of repeating it. An alert stops
 * being ongoing when the condition ends (`resolve`) or when someone closes it; the next raise with
 * its key then starts a new alert.
 */

/** Evidence kept per alert: the first this many records and the last this many. */
export const EVIDENCE_KEPT = 10;

/** An acknowledge or close that the alert's status does not allow. */
export class AlertTransitionError extends Error {
  override readonly name = 'AlertTransitionError';
}

export interface AlertFilter {
  types?: readonly AlertType[];
  statuses?: readonly AlertStatus[];
  /** Either vessel of the alert. */
  vessel?: string;
  device?: string;
  zoneId?: number;
  /** ms: alerts whose [start, end] meets [from, to]. */
  from?: number;
  to?: number;
  /** Page size. */
  limit: number;
  /** Continue after this alert id (the previous page's `next`). */
  after?: number;
}

export type AlertListener = (change: AlertChange) => void;

interface AlertRow {
  id: number;
  type: AlertType;
  severity: Alert['severity'];
  status: AlertStatus;
  dedupe_key: string;
  ongoing: number;
  vessel: string | null;
  other_vessel: string | null;
  device: string | null;
  zone_id: number | null;
  zone_version: number | null;
  start_time: number;
  end_time: number;
  occurrences: number;
  details: string | null;
  evidence_count: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  acknowledged_note: string | null;
  closed_by: string | null;
  closed_at: number | null;
  closed_note: string | null;
  created_at: number;
  updated_at: number;
}

function step(by: string | null, at: number | null, note: string | null): TriageStep | undefined {
  if (by === null || at === null) return undefined;
  return { by, at, ...(note !== null ? { note } : {}) };
}

function fromRow(r: AlertRow): Alert {
  const acknowledged = step(r.acknowledged_by, r.acknowledged_at, r.acknowledged_note);
  const closed = step(r.closed_by, r.closed_at, r.closed_note);
  return {
    id: r.id,
    type: r.type,
    severity: r.severity,
    status: r.status,
    dedupeKey: r.dedupe_key,
    ...(r.vessel !== null ? { vessel: r.vessel } : {}),
    ...(r.other_vessel !== null ? { otherVessel: r.other_vessel } : {}),
    ...(r.device !== null ? { device: r.device } : {}),
    ...(r.zone_id !== null ? { zoneId: r.zone_id } : {}),
    ...(r.zone_version !== null ? { zoneVersion: r.zone_version } : {}),
    startTime: r.start_time,
    endTime: r.end_time,
    ongoing: r.ongoing === 1,
    occurrences: r.occurrences,
    ...(r.details !== null ? { details: JSON.parse(r.details) as Alert['details'] } : {}),
    evidenceCount: r.evidence_count,
    ...(acknowledged ? { acknowledged } : {}),
    ...(closed ? { closed } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The fixed statements, prepared once: the rules engine raises on the ingest path. */
function prepare(db: ConfigDb) {
  return {
    byId: db.prepare('SELECT * FROM alert WHERE id = ?'),
    ongoing: db.prepare('SELECT * FROM alert WHERE dedupe_key = ? AND ongoing = 1'),
    merge: db.prepare(
      `UPDATE alert SET severity = @severity, details = @details, start_time = MIN(start_time, @time), end_time = MAX(end_time, @time),
         occurrences = occurrences + 1, updated_at = @now WHERE id = @id`,
    ),
    insert: db.prepare(
      `INSERT INTO alert (type, severity, dedupe_key, vessel, other_vessel, device, zone_id, zone_version, start_time, end_time, details, created_at, updated_at)
       VALUES (@type, @severity, @dedupeKey, @vessel, @otherVessel, @device, @zoneId, @zoneVersion, @time, @time, @details, @now, @now)`,
    ),
    resolve: db.prepare(
      `UPDATE alert SET ongoing = 0, end_time = MAX(end_time, @time), updated_at = @now,
         details = CASE WHEN @details IS NULL THEN details ELSE json_patch(ifnull(details, '{}'), @details) END
       WHERE dedupe_key = @dedupeKey AND ongoing = 1 RETURNING *`,
    ),
    anyWithKey: db.prepare('SELECT 1 FROM alert WHERE dedupe_key = ? LIMIT 1'),
    ongoingAll: db.prepare('SELECT * FROM alert WHERE ongoing = 1 AND type IN (SELECT value FROM json_each(?)) ORDER BY id'),
    evidence: db.prepare('SELECT record FROM alert_evidence WHERE alert_id = ? ORDER BY seq'),
    addEvidence: db.prepare('INSERT INTO alert_evidence (alert_id, seq, record) VALUES (?, ?, ?)'),
    trimEvidence: db.prepare('DELETE FROM alert_evidence WHERE alert_id = ? AND seq >= ? AND seq < ?'),
    countEvidence: db.prepare('UPDATE alert SET evidence_count = ? WHERE id = ?'),
    acknowledge: db.prepare(`UPDATE alert SET status = 'acknowledged', acknowledged_by = @by, acknowledged_at = @at, acknowledged_note = @note, updated_at = @at WHERE id = @id`),
    close: db.prepare(`UPDATE alert SET status = 'closed', ongoing = 0, closed_by = @by, closed_at = @at, closed_note = @note, updated_at = @at WHERE id = @id`),
  };
}

export class AlertStore {
  private readonly listeners = new Set<AlertListener>();
  private readonly sql: ReturnType<typeof prepare>;
  /** Inside batch(): the changes to announce once it is committed. */
  private held?: AlertChange[];

  /** raise's transaction, made once: better-sqlite3 builds a wrapper function per transaction() call. */
  private readonly raiseTransaction: (r: AlertRaise) => { alert: Alert; created: boolean };

  constructor(
    private readonly db: ConfigDb,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = prepare(db);
    this.raiseTransaction = db.transaction((r: AlertRaise) => this.writeRaise(r));
  }

  /**
   * Runs `work` (raises, resolves, …) as one transaction: one commit for all of its changes, where
   * each would commit on its own. A restart that finds 5,000 vessels silent past their limit raises
   * their dark alerts in one tick; one commit each held the event loop for half a second. Listeners
   * hear of the changes once they are committed, and of none when `work` throws (nothing is stored).
   * A raise that fails inside (a rule's error, caught by the engine) undoes only itself.
   */
  batch<T>(work: () => T): T {
    if (this.held) return work();
    const held: AlertChange[] = (this.held = []);
    let result: T;
    try {
      result = this.db.transaction(work)();
    } finally {
      this.held = undefined;
    }
    for (const change of held) this.tell(change);
    return result;
  }

  /**
   * Records a detection: merges into the ongoing alert with the same dedupe key (end time extended,
   * the higher severity kept, details updated, evidence appended and trimmed), or opens a new one.
   * The first detection's zone version stays: it is the one in force when the incident began.
   */
  raise(r: AlertRaise): { alert: Alert; created: boolean } {
    if (r.dedupeKey.trim() === '') throw new Error('an alert needs a dedupe key');
    const result = this.raiseTransaction(r);
    return { alert: this.announce(result.created ? 'raised' : 'updated', result.alert), created: result.created };
  }

  /** raise's writes, inside its transaction. */
  private writeRaise(r: AlertRaise): { alert: Alert; created: boolean } {
    const now = this.now();
    const current = this.sql.ongoing.get(r.dedupeKey) as AlertRow | undefined;
    let id: number;
    if (current) {
      id = current.id;
      const severity = SEVERITIES.indexOf(r.severity) > SEVERITIES.indexOf(current.severity) ? r.severity : current.severity;
      const details = r.details ? JSON.stringify({ ...(current.details ? JSON.parse(current.details) : {}), ...r.details }) : current.details;
      this.sql.merge.run({ severity, details, time: r.time, now, id });
    } else {
      const row = {
        type: r.type,
        severity: r.severity,
        dedupeKey: r.dedupeKey,
        vessel: r.vessel ?? null,
        otherVessel: r.otherVessel ?? null,
        device: r.device ?? null,
        zoneId: r.zoneId ?? null,
        zoneVersion: r.zoneVersion ?? null,
        time: r.time,
        details: r.details ? JSON.stringify(r.details) : null,
        now,
      };
      id = Number(this.sql.insert.run(row).lastInsertRowid);
    }
    this.appendEvidence(id, current?.evidence_count ?? 0, r.evidence);
    return { alert: this.row(id), created: !current };
  }

  /**
   * The condition behind the ongoing alert with this key ended at `time`; `details` (how it ended:
   * gap length, distance…) are merged into the alert's. Undefined when none is ongoing.
   */
  resolve(dedupeKey: string, time: number, details?: AlertDetails): Alert | undefined {
    const row = this.sql.resolve.get({ time, now: this.now(), dedupeKey, details: details ? JSON.stringify(details) : null }) as AlertRow | undefined;
    return row && this.announce('resolved', fromRow(row));
  }

  /** Whether any alert, ongoing or not, ever had this dedupe key (a replay must not raise an incident twice). */
  hasDedupeKey(dedupeKey: string): boolean {
    return this.sql.anyWithKey.get(dedupeKey) !== undefined;
  }

  /** The ongoing alerts of these types, oldest first: the rules engine seeds its state from them at start. */
  ongoing(types: readonly AlertType[]): Alert[] {
    return (this.sql.ongoingAll.all(JSON.stringify(types)) as AlertRow[]).map(fromRow);
  }

  /** open → acknowledged. Undefined when there is no such alert; AlertTransitionError from another status. */
  acknowledge(id: number, by: string, note?: string): Alert | undefined {
    return this.transition(id, 'acknowledged', by, note);
  }

  /** open or acknowledged → closed; the alert stops absorbing detections. */
  close(id: number, by: string, note?: string): Alert | undefined {
    return this.transition(id, 'closed', by, note);
  }

  get(id: number): AlertWithEvidence | undefined {
    const row = this.sql.byId.get(id) as AlertRow | undefined;
    if (!row) return undefined;
    const evidence = (this.sql.evidence.all(id) as { record: string }[]).map((e) => JSON.parse(e.record) as Evidence);
    return { ...fromRow(row), evidence };
  }

  /** Newest first. `next` is the `after` of the following page, absent on the last page. */
  list(f: AlertFilter): { alerts: Alert[]; next?: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    const oneOf = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map((_, i) => `@${column}${i}`).join(', ')})`);
      values.forEach((v, i) => (params[`${column}${i}`] = v));
    };
    if (f.types?.length) oneOf('type', f.types);
    if (f.statuses?.length) oneOf('status', f.statuses);
    if (f.vessel !== undefined) {
      where.push('(vessel = @vessel OR other_vessel = @vessel)');
      params.vessel = f.vessel;
    }
    if (f.device !== undefined) {
      where.push('device = @device');
      params.device = f.device;
    }
    if (f.zoneId !== undefined) {
      where.push('zone_id = @zone');
      params.zone = f.zoneId;
    }
    if (f.from !== undefined) {
      where.push('end_time >= @from');
      params.from = f.from;
    }
    if (f.to !== undefined) {
      where.push('start_time <= @to');
      params.to = f.to;
    }
    if (f.after !== undefined) {
      where.push('id < @after');
      params.after = f.after;
    }
    const rows = statement(this.db, `SELECT * FROM alert ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`)
      .all({ ...params, limit: f.limit + 1 }) as AlertRow[];
    const page = rows.slice(0, f.limit).map(fromRow);
    return rows.length > f.limit ? { alerts: page, next: page[page.length - 1].id } : { alerts: page };
  }

  /** Called after every change (the live WebSocket pushes them); returns an unsubscribe. */
  onChange(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private row(id: number): Alert {
    return fromRow(this.sql.byId.get(id) as AlertRow);
  }

  /** Appends after `count` records already attached, then drops the middle beyond the first and last EVIDENCE_KEPT. */
  private appendEvidence(id: number, count: number, evidence: readonly Evidence[]): void {
    if (evidence.length === 0) return;
    evidence.forEach((e, i) => this.sql.addEvidence.run(id, count + i, JSON.stringify(e)));
    const total = count + evidence.length;
    this.sql.trimEvidence.run(id, EVIDENCE_KEPT, total - EVIDENCE_KEPT);
    this.sql.countEvidence.run(total, id);
  }

  private transition(id: number, to: 'acknowledged' | 'closed', by: string, note?: string): Alert | undefined {
    const changed = this.db.transaction(() => {
      const row = this.sql.byId.get(id) as AlertRow | undefined;
      if (!row) return undefined;
      const current = fromRow(row);
      const allowed = to === 'acknowledged' ? current.status === 'open' : current.status !== 'closed';
      if (!allowed) {
        const last = current.closed ?? current.acknowledged;
        const how = last ? ` by ${last.by} at ${new Date(last.at).toISOString()}` : '';
        throw new AlertTransitionError(`alert ${id} is already ${current.status}${how}; ${to === 'acknowledged' ? 'only an open alert can be acknowledged' : 'it cannot be closed again'}`);
      }
      this.sql[to === 'acknowledged' ? 'acknowledge' : 'close'].run({ by, at: this.now(), note: note ?? null, id });
      return this.row(id);
    })();
    return changed && this.announce(to, changed);
  }

  private announce(change: AlertChange['change'], alert: Alert): Alert {
    if (this.held) this.held.push({ change, alert });
    else this.tell({ change, alert });
    return alert;
  }

  private tell(change: AlertChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A failing listener must not undo a stored change nor stop the others; it reports its own errors.
      }
    }
  }
}
