export { classificationPreset } from './classification.js';
export { MEDICAL_VIT, medicalImagingPreset } from './medical-imaging.js';
export { multilabelPreset } from './multilabel.js';
export { SMALL_VIT } from './small-vit.js';
