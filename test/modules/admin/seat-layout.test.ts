import { describe, expect, it } from 'vitest';
import { layoutSeats, MAX_SEATS, sectionsProblem } from '../../../src/modules/admin/seat-layout.js';

describe('seat layout', () => {
  it('numbers seats 1..N through the sections, labels them within their section', () => {
    const layout = layoutSeats([
      { name: 'VIP', seatCount: 2, price: 100 },
      { name: 'R', seatCount: 3, price: 50 },
    ]);
    expect(layout).toEqual({
      seatNumbers: [1, 2, 3, 4, 5],
      prices: [100, 100, 50, 50, 50],
      sections: ['VIP', 'VIP', 'R', 'R', 'R'],
      labels: ['VIP-1', 'VIP-2', 'R-1', 'R-2', 'R-3'],
    });
  });

  it('refuses duplicate section names and more than MAX_SEATS seats', () => {
    expect(sectionsProblem([{ name: 'A', seatCount: 1, price: 1 }])).toBeUndefined();
    expect(
      sectionsProblem([
        { name: 'A', seatCount: 1, price: 1 },
        { name: 'A', seatCount: 1, price: 1 },
      ]),
    ).toMatch(/unique/);
    expect(sectionsProblem([{ name: 'A', seatCount: MAX_SEATS, price: 1 }])).toBeUndefined();
    expect(
      sectionsProblem([
        { name: 'A', seatCount: MAX_SEATS, price: 1 },
        { name: 'B', seatCount: 1, price: 1 },
      ]),
    ).toMatch(/at most/);
  });
});
