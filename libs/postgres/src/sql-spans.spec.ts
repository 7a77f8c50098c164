import { sqlOperation } from './sql-spans.ts';

describe('sqlOperation', () => {
  it.each([
    ['SELECT 1', 'SELECT'],
    ['  update uploads SET state = $1', 'UPDATE'],
    ['BEGIN', 'BEGIN'],
    ['WITH live AS (SELECT 1) INSERT INTO uploads SELECT 1', 'INSERT'],
    ['WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b', 'SELECT'],
    ['\n  WITH moved AS (UPDATE uploads SET x = 1 RETURNING *) SELECT * FROM moved', 'UPDATE'],
  ])('names %j %s', (text, operation) => {
    expect(sqlOperation(text)).toBe(operation);
  });

  it('names nothing without a statement', () => {
    expect(sqlOperation(undefined)).toBeUndefined();
    expect(sqlOperation('')).toBeUndefined();
  });
});
