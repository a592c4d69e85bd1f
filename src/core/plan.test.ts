import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderPlanAsShell, shellQuote } from './plan.ts';

describe('shellQuote()', () => {
  for (const [word, want] of [
    ['/sys/bus/pci/drivers/vfio-pci/bind', '/sys/bus/pci/drivers/vfio-pci/bind'],
    ['0000:3b:00.0', '0000:3b:00.0'],
    ['GRID T4-1B', "'GRID T4-1B'"],
    ["it's", "'it'\\''s'"],
    ['', "''"],
  ]) {
    test(`quotes ${JSON.stringify(word)}`, () => assert.equal(shellQuote(word as string), want));
  }
});

describe('renderPlanAsShell()', () => {
  test('renders a value ending in one newline with echo, exactly', () => {
    const text = renderPlanAsShell({
      action: 'clear',
      steps: [
        {
          kind: 'write',
          path: '/sys/bus/pci/devices/0000:01:00.0/driver_override',
          value: '\n',
          why: 'clear the override',
        },
        { kind: 'write', path: '/sys/x', value: 'vfio-pci\n', why: 'name it' },
      ],
    });
    assert.match(text, /^echo > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver_override$/m);
    assert.match(text, /^echo vfio-pci > \/sys\/x$/m);
  });

  test('prints each write as printf with its reason, exactly as written', () => {
    const text = renderPlanAsShell({
      action: 'create 1 vGPU of GRID T4-1B on 0000:3b:00.0',
      steps: [
        {
          kind: 'write',
          path: '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
          value: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001',
          why: 'create the vGPU',
        },
        { kind: 'writeFile', path: '/etc/mdevctl.d/0000:3b:00.0/x', content: '{"a":1}\n', why: 'persist it' },
        { kind: 'writeFile', path: '/etc/y', content: '{"b":2}', why: 'no newline' },
      ],
    });
    assert.equal(
      text,
      [
        '# create 1 vGPU of GRID T4-1B on 0000:3b:00.0',
        '# create the vGPU',
        "printf '%s' 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 > /sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create",
        '# persist it',
        "cat > /etc/mdevctl.d/0000:3b:00.0/x <<'EOF'",
        '{"a":1}',
        'EOF',
        '# no newline',
        `printf '%s' "$(cat <<'EOF'`,
        '{"b":2}',
        'EOF',
        `)" > /etc/y`,
      ].join('\n'),
    );
  });
});

describe('renderPlanAsShell() file steps', () => {
  const contents = [
    '{\n  "a": 1\n}',
    '{\n  "a": 1\n}\n',
    'one line',
    "it's\nquoted $HOME `x`\n",
    'EOF\ninside\n',
    'ends in two\n\n',
  ];
  for (const content of contents) {
    test(`run by sh, it writes exactly ${JSON.stringify(content)}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'vgpuctl-plan-'));
      try {
        const path = join(dir, 'out');
        const script = renderPlanAsShell({ action: 'write', steps: [{ kind: 'writeFile', path, content, why: 'x' }] });
        execFileSync('sh', ['-c', script]);
        assert.equal(readFileSync(path, 'utf8'), content);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
