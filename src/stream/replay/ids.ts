// Fresh ids for copies of an alert: deterministic functions of (original id,
// copy index), so replaying the same files again produces the same ids and a
// consumer recognises the repeat, as it would an upstream replay.
//
// Copy 0 is the original alert and keeps its ids. Copy c > 0 gets
// 2^62 | (splitmix64(id + c * golden) mod 2^62): bit 62 marks a synthetic id
// (real ZTF candids, about 3e18 in 2025, and Rubin ids, about 2e17, stay below
// 2^62 ~ 4.6e18), still a positive Avro long. Two different (id, copy) pairs
// share an id with probability ~ N^2 / 2^63 for N ids (1e-3 at 1e8 ids).
// The same original id gets the same fresh id in every alert of the copy, so
// a candid met again in a later alert's history (prv_candidates) still
// matches its own detection.

const GOLDEN = 0x9e3779b97f4a7c15n;
const MASK62 = (1n << 62n) - 1n;
const TAG = 1n << 62n;

/** The id copy `copy` uses for an original long id (0 and negatives mean "none" and stay). */
export function freshId(id: bigint, copy: number): bigint {
  if (copy === 0 || id <= 0n) return id;
  let z = BigInt.asUintN(64, id + BigInt(copy) * GOLDEN);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  z ^= z >> 31n;
  return TAG | (z & MASK62);
}

/** A survey object name for copy `copy`: `ZTF21abiuvdk` -> `ZTF21abiuvdk_c17`; copy 0 and '' stay. */
export function freshObjectName(name: string, copy: number): string {
  return copy === 0 || name === '' ? name : `${name}_c${copy}`;
}

/** True when an id was made by freshId for some copy > 0. */
export function isFreshId(id: bigint): boolean {
  return id >= TAG;
}
