// `node --import ./test/support/module-trace.mjs ...`: appends the URL of every
// module the program loads to $SKYJOIN_MODULE_TRACE, one per line (a
// module.register resolve hook), so a test can see what a command pulls in.
import { register } from 'node:module';

register('./module-trace-hooks.mjs', import.meta.url, { data: { file: process.env.SKYJOIN_MODULE_TRACE } });
