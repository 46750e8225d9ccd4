/** n row vectors of dimension d in one Float32Array: compact, and cheap to send to a thread. */
export interface Matrix {
  n: number;
  d: number;
  data: Float32Array;
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.d, (i + 1) * m.d);
}

export function fromRows(rows: readonly Float32Array[], d: number): Matrix {
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { n: rows.length, d, data };
}

export function dotRows(m: Matrix, i: number, j: number): number {
  const { d, data } = m;
  let s = 0;
  const a = i * d;
  const b = j * d;
  for (let k = 0; k < d; k++) s += data[a + k] * data[b + k];
  return s;
}

/** Dot product of row i with a dense vector. */
export function dotVec(m: Matrix, i: number, v: ArrayLike<number>, offset = 0): number {
  const { d, data } = m;
  let s = 0;
  const a = i * d;
  for (let k = 0; k < d; k++) s += data[a + k] * v[offset + k];
  return s;
}

/** Scales every row to unit length (zero rows stay zero), so dot products are cosines. */
export function normalizeRows(m: Matrix): Matrix {
  const { n, d, data } = m;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * d; k < (i + 1) * d; k++) s += data[k] * data[k];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = i * d; k < (i + 1) * d; k++) data[k] *= inv;
    }
  }
  return m;
}
