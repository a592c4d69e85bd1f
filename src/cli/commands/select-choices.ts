/** The choices of `select --output` and `--software-api`, shared by its syntax and its implementation. */
import { VM_CONFIG_FORMATS } from '../../vmconfig/formats.ts';

export const SELECT_OUTPUTS = ['text', ...VM_CONFIG_FORMATS, 'json'] as const;
export const SOFTWARE_APIS = ['auto', 'virgl', 'venus', '2d'] as const;
