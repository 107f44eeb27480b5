/** The `speech/*` presets. */
export { accentAdaptationPreset } from './accent-adaptation.js';
export { accentIdPreset } from './accent-id.js';
export { keywordSpottingPreset } from './keyword-spotting.js';
export { PRESET_FRONT_END, SMALL_SPEECH_ENCODER } from './small-encoder.js';

import { accentAdaptationPreset } from './accent-adaptation.js';
import { accentIdPreset } from './accent-id.js';
import { keywordSpottingPreset } from './keyword-spotting.js';

/** Every preset of the plugin, for `bind(Preset)`. */
export const speechPresets = [accentAdaptationPreset, keywordSpottingPreset, accentIdPreset] as const;
