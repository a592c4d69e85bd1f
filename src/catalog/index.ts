/** The pure catalog: NVIDIA vGPU profiles with their sources, and the type-name grammar. */

export * from './effective-profile.ts';
export * from './nvidia-profiles.ts';
export * from './override-keys.ts';
export * from './profile-name.ts';
export * from './sources.ts';
