import { realpathSync } from "node:fs";

/** Whether the module is the script node was started with (`npm start`), not imported (by `chadburn start`). */
export const isEntry = (meta: ImportMeta): boolean => !!process.argv[1] && realpathSync(process.argv[1]) === meta.filename;
