import type { Command } from '../command';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { importCommand } from './import';
import { benchCommand } from './bench';
import { triageCommand } from './triage';
import { metricsCommand } from './metrics';
import { serveCommand } from './serve';
import { studiesCommand } from './studies';
import { pacsCommand } from './pacs';
import { roiCommand } from './roi';

export const commands: Command[] = [serveCommand, importCommand, studiesCommand, roiCommand, triageCommand, metricsCommand, evalCommand, exportCommand, pacsCommand, benchCommand];
