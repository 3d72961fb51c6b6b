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
  lastStatus: 'WAITING' | 'ACTIVE';
  /** When the place is lost unless checked again (waiting) or the turn ends (active). */
  expiresAt: string;
  holds: Hold[];
}

export interface Ticket {
  reservationId: string;
  /** The buyer's queue token: release and refund need an authentic one of the buyer, live or not. */
  token: string;
  what: string;
  label: string;
  price: number;
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
  tickets: (): Ticket[] => read<Ticket[]>('sd.tickets') ?? [],
  addTickets(tickets: Ticket[]): void {
    const known = store.tickets().filter((t) => !tickets.some((n) => n.reservationId === t.reservationId));
    localStorage.setItem('sd.tickets', JSON.stringify([...tickets, ...known]));
  },
};
