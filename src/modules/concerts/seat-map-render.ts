import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { type StoredSeatMap, seatStatus } from './concerts.repository.js';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export type Encoding = 'br' | 'gzip' | 'identity';

/** A seat-map answer as sent: the JSON once, each compressed form once, until a status would change. */
export interface RenderedSeatMap {
  /** UTF-8 once, so no read encodes it again. */
  json: Buffer;
  /** The first hold expiry after rendering: from then on a seat reads otherwise. */
  validUntil: number;
  encoded: Partial<Record<Exclude<Encoding, 'identity'>, Promise<Buffer>>>;
}

/** Brotli if the client takes it, else gzip, else none; a q=0 refuses an encoding. */
export function negotiate(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

// Below this the bytes saved are not worth a compressor's time.
const COMPRESS_FROM_BYTES = 1024;

/**
 * Rendered answers per loaded seat map. A map object never changes (a seat change makes
 * a new one, see SeatMapCache.apply), so its rendering serves every read of that map
 * until the first hold in it lapses. A 5,000-seat map is then serialized and compressed
 * once per change instead of once per read. Compression runs in libuv's thread pool.
 */
export class SeatMapRenders {
  private readonly renders = new WeakMap<StoredSeatMap, RenderedSeatMap>();

  get(map: StoredSeatMap, scheduleId: number, now: number): RenderedSeatMap {
    const known = this.renders.get(map);
    if (known && now < known.validUntil) return known;
    let validUntil = Number.POSITIVE_INFINITY;
    const seats = map.seats.map((seat) => {
      const expiry = seat.holdExpiresAt?.getTime();
      if (seat.status === 'HELD' && expiry !== undefined && expiry > now && expiry < validUntil)
        validUntil = expiry;
      return {
        seatNumber: seat.seatNumber,
        status: seatStatus(seat, now),
        price: seat.price,
        section: seat.section,
        label: seat.label,
      };
    });
    const rendered: RenderedSeatMap = {
      json: Buffer.from(JSON.stringify({ concertId: map.concertId, scheduleId, seats })),
      validUntil,
      encoded: {},
    };
    this.renders.set(map, rendered);
    return rendered;
  }
}

/** The body in the encoding asked for (identity for small bodies); compressed at most once per rendering. */
export async function encodeSeatMap(
  rendered: RenderedSeatMap,
  encoding: Encoding,
): Promise<{ body: Buffer; encoding: Encoding }> {
  if (encoding === 'identity' || rendered.json.length < COMPRESS_FROM_BYTES) {
    return { body: rendered.json, encoding: 'identity' };
  }
  let body = rendered.encoded[encoding];
  if (!body) {
    body =
      encoding === 'br'
        ? brotli(rendered.json, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzip(rendered.json, { level: 6 });
    rendered.encoded[encoding] = body;
  }
  return { body: await body, encoding };
}
