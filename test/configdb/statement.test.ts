import { describe, expect, it } from 'vitest';
import { openConfigDbFile, statement } from '../../gateway/configdb/database.js';

describe('statement', () => {
  it('compiles a SQL text once per connection and runs it again with new parameters', () => {
    const db = openConfigDbFile(':memory:');
    const other = openConfigDbFile(':memory:');
    const sql = 'SELECT ? + 1 AS n';
    const first = statement(db, sql);
    expect(statement(db, sql)).toBe(first);
    expect(statement(other, sql)).not.toBe(first);
    expect(statement(db, 'SELECT ? + 2 AS n')).not.toBe(first);
    expect(statement(db, sql).get(1)).toEqual({ n: 2 });
    expect(statement(db, sql).get(41)).toEqual({ n: 42 });
  });

  it('writes through a kept statement inside and outside transactions', () => {
    const db = openConfigDbFile(':memory:');
    db.exec('CREATE TABLE t (v INTEGER)');
    const insert = (v: number) => statement(db, 'INSERT INTO t (v) VALUES (?)').run(v);
    insert(1);
    db.transaction(() => [2, 3].forEach(insert))();
    expect(() => db.transaction(() => (insert(4), JSON.parse('{')))()).toThrow(SyntaxError);
    expect(statement(db, 'SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 2, 3]);
  });
});
