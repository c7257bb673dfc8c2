import { apiTasks } from '../api/tasks.ts';
import { lakeTasks } from '../lake/tasks.ts';
import { loadTasks } from '../oltp/load/tasks.ts';
import { migrateTask } from '../oltp/tasks.ts';
import { qualityTasks } from '../quality/tasks.ts';
import { sourceTasks } from '../sources/tasks.ts';
import { warehouseTasks } from '../warehouse/tasks.ts';
import type { TaskGraph } from './graph.ts';

/**
 * The product's daily graph. Each stage owns its tasks; this file only wires them together,
 * so the lineage of a daily run reads top to bottom here.
 */
export function dailyGraph(): TaskGraph {
  return [
    migrateTask,
    ...sourceTasks,
    ...loadTasks,
    ...apiTasks,
    ...lakeTasks,
    ...warehouseTasks,
    ...qualityTasks,
  ];
}
