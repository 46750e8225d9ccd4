/** n row vectors of dimension d in one Float32Array: compact, and cheap to send to a thread. */
export interface Matrix {
  n: number;
  d: number;
  data: Float32Array;
  /**
   * The non-zero columns of each row, present when rows are sparse (lexical vectors have a few
   * dozen of 512): the hot loops then touch only those. Absent for dense model vectors.
   */
  nz?: Int32Array[];
}

/** Rows with fewer non-zeros than this share of d get a column index. */
const SPARSE_SHARE = 0.25;

export function indexSparseRows(m: Matrix, checkpoint: () => void = () => undefined): Matrix {
  const { n, d, data } = m;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (i % 1024 === 0) checkpoint();
    for (let k = i * d; k < (i + 1) * d; k++) if (data[k] !== 0) total++;
  }
  if (total >= SPARSE_SHARE * n * d) return m;
  const nz: Int32Array[] = new Array<Int32Array>(n);
  for (let i = 0; i < n; i++) {
    if (i % 1024 === 0) checkpoint();
    const cols: number[] = [];
    for (let k = 0; k < d; k++) if (data[i * d + k] !== 0) cols.push(k);
    nz[i] = Int32Array.from(cols);
  }
  return { n, d, data, nz };
}

export function dotRows(m: Matrix, i: number, j: number): number {
  const { d, data, nz } = m;
  let s = 0;
  const a = i * d;
  const b = j * d;
  if (nz) {
    for (const k of nz[i]) s += data[a + k] * data[b + k];
    return s;
  }
  for (let k = 0; k < d; k++) s += data[a + k] * data[b + k];
  return s;
}

/** Dot product of row i with a dense vector stored at `offset` in `v`. */
export function dotVec(m: Matrix, i: number, v: ArrayLike<number>, offset = 0): number {
  const { d, data, nz } = m;
  let s = 0;
  const a = i * d;
  if (nz) {
    for (const k of nz[i]) s += data[a + k] * v[offset + k];
    return s;
  }
  for (let k = 0; k < d; k++) s += data[a + k] * v[offset + k];
  return s;
}

/** v[offset..] += scale * row i */
export function addRow(m: Matrix, i: number, v: Float64Array, offset: number, scale: number): void {
  const { d, data, nz } = m;
  const a = i * d;
  if (nz) {
    for (const k of nz[i]) v[offset + k] += scale * data[a + k];
    return;
  }
  for (let k = 0; k < d; k++) v[offset + k] += scale * data[a + k];
}

/** Scales every row to unit length (zero rows stay zero), so dot products are cosines. */
export function normalizeRows(m: Matrix, checkpoint: () => void = () => undefined): Matrix {
  const { n, d, data } = m;
  for (let i = 0; i < n; i++) {
    if (i % 1024 === 0) checkpoint();
    let s = 0;
    for (let k = i * d; k < (i + 1) * d; k++) s += data[k] * data[k];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = i * d; k < (i + 1) * d; k++) data[k] *= inv;
    }
  }
  return m;
}
