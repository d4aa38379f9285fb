// The versions of Node that CI runs the whole suite on, besides the machine's own: one for each
// supported release line. `npm run test:node -- 22` means the one listed here; the root README
// names the same versions, and tests/contract.test.ts checks that it does.
export const testedNode: Record<string, string> = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };
