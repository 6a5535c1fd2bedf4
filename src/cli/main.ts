/** Entry point of the `sdata-sync` command (bin/sdata-sync.js, `npm start`, `npm run cli`): runs the program. */
import { main } from './program';

void main(process.argv.slice(2)).then((code) => {
  // A command that failed or was refused ends here, whatever it may have left open; one that succeeded ends
  // when its work is done (a daemon runs on until a signal).
  if (code !== 0) process.exit(code);
  process.exitCode = code;
});
