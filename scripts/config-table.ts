// Prints the README's configuration table from core/config.ts, the single source of defaults.
import { configTable } from "../core/config";

console.log(configTable());
