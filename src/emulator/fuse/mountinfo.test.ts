import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountinfo, unescapeMountField } from './mountinfo.ts';

describe('mountinfo', () => {
  it('parses mount points, fs types and sources, with optional fields and escapes', () => {
    const text = [
      '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
      '112 29 0:52 / /tmp/with\\040space rw,nosuid,nodev,relatime shared:60 - fuse vgpuctl rw,user_id=0,group_id=0',
      'garbage line',
    ].join('\n');
    assert.deepEqual(parseMountinfo(text), [
      { mountId: 36, device: '98:0', mountPoint: '/mnt/parent', fsType: 'ext3', source: '/dev/root' },
      { mountId: 112, device: '0:52', mountPoint: '/tmp/with space', fsType: 'fuse', source: 'vgpuctl' },
    ]);
  });

  it('unescapes octal sequences', () => {
    assert.equal(unescapeMountField('a\\011b\\134c\\012'), 'a\tb\\c\n');
  });
});
