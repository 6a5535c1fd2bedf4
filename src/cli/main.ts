/** Entry point of the `sdata-sync` command (bin/sdata-sync.js, `npm start`, `npm run cli`): runs the program. */
import { main } from './program';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
