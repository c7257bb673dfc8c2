// 500 no-op tasks in 10 chains of 50: what the scheduling-overhead part of bench:pipeline runs.
import type { Task } from '../src/orchestrator/graph.ts';

export const NOOP_TASKS = 500;
const CHAINS = 10;

export function graph(): Task[] {
  return Array.from({ length: NOOP_TASKS }, (_, i) => ({
    name: `noop_${i}`,
    dependsOn: i >= CHAINS ? [`noop_${i - CHAINS}`] : [],
    run: async () => ({ rows: 0 }),
  }));
}
