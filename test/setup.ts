import { initBackend } from '../src/backend/index.js';

// Tests run on whatever `auto` finds unless HIGHWAY_TEST_BACKEND names one (wasm, cpu, tensorflow).
const requested = (process.env.HIGHWAY_TEST_BACKEND ?? 'auto') as 'auto' | 'wasm' | 'cpu' | 'tensorflow';
await initBackend(requested);
