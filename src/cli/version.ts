/** vgpuctl's version, as `vgpuctl --version` prints it (package.json's). */
export const VERSION = '0.1.0';
