/** The one description of what a SOURCE argument may be, shared by every command's --help (from the transports' table). */
import { sourceHelp } from '../transports/table.js';

export const SOURCE_HELP = sourceHelp();
