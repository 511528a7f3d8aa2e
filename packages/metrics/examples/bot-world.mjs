// The world the three example bots share (not counted in their line counts): a seeded price feed and a
// paper exchange that answers after an await and sometimes fails with ECONNRESET.
export const STEPS = Number(process.env.STEPS ?? 1000);
export const LIMIT = 3;

export function makeWorld(seed = 7) {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let price = 100;
  const later = () => new Promise((resolve) => setImmediate(resolve));
  return {
    async price() {
      await later();
      price = 100 + (price - 100) * 0.8 + (random() - 0.5) * 2; // mean-reverting around 100
      return price;
    },
    async send(side) {
      await later();
      if (random() < 0.05) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      return { side, price };
    },
  };
}
