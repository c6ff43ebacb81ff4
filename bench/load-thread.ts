/** The entry of the load thread started by `runLoadInThread`: runs the plan it was given and posts back the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad, type LoadPlan } from './load.js';

parentPort!.postMessage(await runLoad(workerData as LoadPlan));
