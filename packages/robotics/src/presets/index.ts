export { behaviorCloningPreset, SMALL_MLP_POLICY } from './behavior-cloning.js';
export { dynamicsShiftPreset, newGoalPreset } from './dynamics-shift.js';
