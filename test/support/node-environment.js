// Jest's node environment with the host's typed-array constructors. ONNX Runtime's native module
// makes its output arrays in Node's own realm, and onnxruntime-common (loaded inside the test's
// sandbox) checks them with `instanceof Float32Array`, which fails across realms; sharing the
// constructors lets tests run the model in-process as the service does.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
