/**
 * Test fixture run in a child process: mounts a one-file tree at argv[2], prints "ready"
 * and serves until killed. Lets tests kill a server and see the stale mount it leaves.
 */
import { Kernfs } from '../kernfs/tree.ts';
import { treeBackend } from './backend.ts';
import { mountFuse } from './server.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: serve.fixture.ts <mountpoint>');
const tree = new Kernfs();
tree.file('/hello', 'hello\n');
await mountFuse(treeBackend(tree), dir);
process.stdout.write('ready\n');
