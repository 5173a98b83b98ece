// The primary image of a FITS file (a cutout): header cards and pixels as
// float64, row 0 at the bottom as FITS stores it. BITPIX 8, 16, 32, 64, -32
// and -64 with BSCALE/BZERO; 2-dimensional images only (cutouts are). Blank
// values (BLANK for integers, NaN for floats) become NaN.

export interface FitsImage {
  width: number;
  height: number;
  /** Pixels row by row, FITS order (first row = bottom of the picture). */
  pixels: Float64Array;
  header: Map<string, string>;
}

const CARD = 80;
const BLOCK = 2880;

function cardValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return v.slice(1, end < 0 ? undefined : end).trimEnd();
  }
  const slash = v.indexOf('/');
  return (slash < 0 ? v : v.slice(0, slash)).trim();
}

/** Reads the primary HDU's image; throws a RangeError naming what is wrong. */
export function readFitsImage(bytes: Uint8Array): FitsImage {
  const header = new Map<string, string>();
  let pos = 0;
  let ended = false;
  while (!ended) {
    if (pos + BLOCK > bytes.length) throw new RangeError('FITS header has no END card');
    for (let c = 0; c < BLOCK / CARD; c++, pos += CARD) {
      const card = Buffer.from(bytes.buffer, bytes.byteOffset + pos, CARD).toString('latin1');
      const key = card.slice(0, 8).trim();
      if (key === 'END') { ended = true; pos += CARD * (BLOCK / CARD - c); break; }
      if (card.slice(8, 10) === '= ') header.set(key, cardValue(card.slice(10)));
    }
  }
  if (header.get('SIMPLE') !== 'T') throw new RangeError('not a FITS file (SIMPLE = T missing)');
  const bitpix = Number(header.get('BITPIX'));
  const naxis = Number(header.get('NAXIS'));
  if (naxis !== 2) throw new RangeError(`FITS image must be 2-dimensional, NAXIS = ${header.get('NAXIS')}`);
  const width = Number(header.get('NAXIS1')), height = Number(header.get('NAXIS2'));
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width * height <= 1 << 24)) {
    throw new RangeError(`FITS image size ${width} x ${height} is not supported`);
  }
  const size = Math.abs(bitpix) / 8;
  if (![8, 16, 32, 64, -32, -64].includes(bitpix)) throw new RangeError(`FITS BITPIX ${bitpix} is not supported`);
  const n = width * height;
  if (pos + n * size > bytes.length) throw new RangeError('FITS data are cut short');
  const scale = header.has('BSCALE') ? Number(header.get('BSCALE')) : 1;
  const zero = header.has('BZERO') ? Number(header.get('BZERO')) : 0;
  const blank = header.has('BLANK') ? Number(header.get('BLANK')) : undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, n * size);
  const pixels = new Float64Array(n);
  // FITS is big-endian; one loop per type keeps the switch out of the pixel loop.
  switch (bitpix) {
    case 8: for (let i = 0; i < n; i++) { const v = view.getUint8(i); pixels[i] = v === blank ? NaN : v * scale + zero; } break;
    case 16: for (let i = 0; i < n; i++) { const v = view.getInt16(2 * i); pixels[i] = v === blank ? NaN : v * scale + zero; } break;
    case 32: for (let i = 0; i < n; i++) { const v = view.getInt32(4 * i); pixels[i] = v === blank ? NaN : v * scale + zero; } break;
    case 64: for (let i = 0; i < n; i++) { const v = Number(view.getBigInt64(8 * i)); pixels[i] = v === blank ? NaN : v * scale + zero; } break;
    case -32: for (let i = 0; i < n; i++) pixels[i] = view.getFloat32(4 * i) * scale + zero; break;
    default: for (let i = 0; i < n; i++) pixels[i] = view.getFloat64(8 * i) * scale + zero; break;
  }
  return { width, height, pixels, header };
}
