/** What must survive a reload or a closed tab: the place in line, holds and bought tickets (localStorage). */
export interface Hold {
  reservationId: string;
  seatNumber: number;
  label: string;
  price: number;
  holdExpiresAt: string;
  /** Reused when a payment is retried after a lost answer. */
  payKey: string;
}

export interface Place {
  token: string;
  userId: number;
  concertId: number;
  scheduleId: number;
  what: string;
  /** The first position seen: the progress bar's whole length. */
  startPosition: number;
  lastStatus: 'WAITING' | 'ACTIVE' | 'PRE_QUEUE';
  /** When the place is lost unless checked again (waiting) or the turn ends (active). */
  expiresAt: string;
  holds: Hold[];
}

/** A pre-queue entry: how this fan appears in the sale's published draw (kept to verify it). */
export interface DrawEntry {
  concertId: number;
  userId: number;
  salt: string;
  hash: string;
}

export interface Ticket {
  reservationId: string;
  /** The buyer's queue token: release and refund need an authentic one of the buyer, live or not. */
  token: string;
  what: string;
  label: string;
  price: number;
  /** The concert (for its draw's "verify" box); absent on tickets stored before it was kept. */
  concertId?: number;
}

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export const store = {
  place: (): Place | null => read<Place>('sd.place'),
  savePlace(place: Place | null): void {
    if (place) localStorage.setItem('sd.place', JSON.stringify(place));
    else localStorage.removeItem('sd.place');
  },
  draws: (): DrawEntry[] => read<DrawEntry[]>('sd.draws') ?? [],
  addDraw(entry: DrawEntry): void {
    const others = store.draws().filter((d) => d.concertId !== entry.concertId || d.userId !== entry.userId);
    // The newest few only: a device need not keep every sale it ever pre-queued for.
    localStorage.setItem('sd.draws', JSON.stringify([entry, ...others].slice(0, 20)));
  },
  tickets: (): Ticket[] => read<Ticket[]>('sd.tickets') ?? [],
  addTickets(tickets: Ticket[]): void {
    const known = store.tickets().filter((t) => !tickets.some((n) => n.reservationId === t.reservationId));
    localStorage.setItem('sd.tickets', JSON.stringify([...tickets, ...known]));
  },
};
