import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserDirectory } from '../../../src/modules/wallet/user-directory.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/stores.js';

describe('user directory', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('answers concurrent lookups with one query and remembers who exists', async () => {
    const directory = createUserDirectory(database.sql);
    const before = database.queryCount();
    const answers = await Promise.all([1, 2, 3, 2, 999_999].map((id) => directory.exists(id)));
    expect(answers).toEqual([true, true, true, true, false]);
    expect(database.queryCount() - before).toBe(1);

    expect(await directory.exists(2)).toBe(true);
    expect(database.queryCount() - before).toBe(1); // remembered
    expect(await directory.exists(999_999)).toBe(false);
    expect(database.queryCount() - before).toBe(2); // a "no" is asked again
  });
});
