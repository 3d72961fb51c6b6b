export interface SectionSpec {
  name: string;
  seatCount: number;
  price: number;
}

/** The seats a venue's sections make, as columns (for one `unnest` insert or update). */
export interface SeatLayout {
  seatNumbers: number[];
  prices: number[];
  sections: string[];
  labels: string[];
}

export const MAX_SEATS = 20_000;

/** Seat numbers run 1..N through the sections in order; a seat's label is "<section>-<n within it>". */
export function layoutSeats(sections: readonly SectionSpec[]): SeatLayout {
  const layout: SeatLayout = { seatNumbers: [], prices: [], sections: [], labels: [] };
  for (const section of sections) {
    for (let n = 1; n <= section.seatCount; n++) {
      layout.seatNumbers.push(layout.seatNumbers.length + 1);
      layout.prices.push(section.price);
      layout.sections.push(section.name);
      layout.labels.push(`${section.name}-${n}`);
    }
  }
  return layout;
}

/** A problem with the sections, or nothing: names unique, at most MAX_SEATS seats. */
export function sectionsProblem(sections: readonly SectionSpec[]): string | undefined {
  const names = new Set(sections.map((s) => s.name));
  if (names.size !== sections.length) return 'Section names must be unique within a venue.';
  const total = sections.reduce((sum, s) => sum + s.seatCount, 0);
  if (total > MAX_SEATS) return `A venue has at most ${MAX_SEATS} seats; these sections have ${total}.`;
  return undefined;
}
