import type { Command } from '../command';
import { importCommand } from './import';
import { serveCommand } from './serve';
import { studiesCommand } from './studies';

export const commands: Command[] = [serveCommand, importCommand, studiesCommand];
