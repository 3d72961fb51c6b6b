import type { SignedPlace } from './queue-store.js';
import type { TokenClaims } from './queue-token.js';

/** A pre-queue token: signed with seq 0 (no place yet) until the opening's draw gives one. */
export const PRE_QUEUE_SEQ = 0;

export type Entry =
  | { readonly kind: 'LINE'; readonly room: string; readonly drawn?: SignedPlace }
  | {
      readonly kind: 'PRE_QUEUE';
      readonly room: string;
      readonly joinedAt: number;
      readonly opensAt: number;
      /** How the entrant appears in the published draw: SHA-256("<salt>:<userId>"). */
      readonly entrant: { readonly salt: string; readonly hash: string };
    };

/** What a gated request is about: a concert, or a reservation (whose concert is looked up). */
export interface SaleTarget {
  readonly concertId?: number;
  readonly reservationId?: string;
}

/** What the queue asks about per-sale rooms (src/modules/rooms implements it). */
export interface RoomDirectory {
  /** Where an issue for this concert goes: the line (with a drawn place) or the pre-queue; 404/403 otherwise. */
  enter(concertId: number, userId: number, now: number): Promise<Entry>;
  /** A pre-queue token's place once drawn; null while not drawn (then `opensAt` says when). */
  drawnPlace(claims: TokenClaims): SignedPlace | null;
  opensAt(room: string): number | undefined;
  /** The concert a room sells, or undefined for the default room. */
  concertOf(room: string): number | undefined;
  /** The concert a request is for (one SQL lookup for a reservation), undefined when unknown. */
  saleOf(target: SaleTarget): Promise<number | undefined>;
  /**
   * True when the concert sells only through its own room (an operator's concert); false for
   * the seeded demo catalog, which the default room's tokens admit to as before rooms.
   */
  ownLineOnly(concertId: number): Promise<boolean>;
}

/** Only the default room (the simulator, tests of the queue alone). */
export const defaultRoomOnly: RoomDirectory = {
  enter: async () => {
    throw new Error('no sale rooms here');
  },
  drawnPlace: () => null,
  opensAt: () => undefined,
  concertOf: () => undefined,
  saleOf: async () => undefined,
  ownLineOnly: async () => false,
};
