import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-override-');
});
after(() => state.cleanup());
const cli = (...args: string[]) =>
  runCli([...args, '--emulate', 'lab'], { VGPUCTL_STATE_DIR: join(state.dir, 'state') });

describe('vgpuctl override', () => {
  test('--dry-run and a refused change write nothing; set writes; types and profiles show the effective profile', async () => {
    const dry = await cli('override', 'set', 'nvidia-760', 'num_displays=1', 'display_width=1920', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /cat > \/etc\/vgpu_unlock\/profile_override\.toml <<'EOF'/);
    assert.match((await cli('override', 'show')).stdout, /no overrides \(the file does not exist\)/);

    const refused = await cli('override', 'set', 'nvidia-761', 'framebuffer=8G', 'num_displays=9');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /line 2, column 1: framebuffer 8192 MiB .* exceeds the GPU's 6144 MiB/);
    assert.match((await cli('override', 'show')).stdout, /does not exist/);

    const set = await cli(
      'override',
      'set',
      'nvidia-760',
      'num_displays=1',
      'display_width=1920',
      'display_height=1080',
    );
    assert.equal(set.status, 0, set.stderr);
    const show = await cli('override', 'show');
    assert.match(show.stdout, /nvidia-760\s+NVIDIA RTXA5500-1B\s+1024\s+1 \(was 4\)\s+1920x1080 \(was 5120x2880\)/);
    const types = await cli('types', '--gpu', '0000:81:00.0');
    assert.match(types.stdout, /nvidia-760\s+NVIDIA RTXA5500-1B\s+1 GiB\s+1\s+1920x1080/);
    const profiles = await cli('profiles', '--gpu', '0000:81:00.0');
    assert.match(profiles.stdout, /^760\s+RTXA5500-1B\s+B\s+1G\s+~960M\s+1\*\s+1920x1080\*/m);

    const unset = await cli('override', 'unset', 'profile.nvidia-760', 'display_width', 'display_height');
    assert.equal(unset.status, 0, unset.stderr);
    assert.match((await cli('override', 'show')).stdout, /\[profile\.nvidia-760\] num_displays=1$/m);
  });

  test('check of a missing file is NOT_FOUND; a bad table name is refused', async () => {
    const check = await cli('override', 'check', '--file', '/etc/nonexistent.toml');
    assert.equal(check.status, 3);
    const bad = await cli('override', 'set', 'vm.abc', 'frl_enabled=1');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /OVERRIDE_INVALID|VM id/);
  });
});
