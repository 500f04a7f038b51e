// @ts-check
// Entry point: three modes (Debugger, Flow, Learn), each a plain module. No framework, no inline script (strict CSP).
import { initDebugger } from './debugger.js';
import { $, tablist } from './dom.js';
import { initFlow } from './flow.js';
import { initLab } from './lab.js';
import { initLearn } from './learn.js';

const MODES = /** @type {Record<string, string>} */ ({ 'tab-flow': 'flow', 'tab-learn': 'learn' });
const mode = tablist($('mode-tabs'), (tab) => {
  document.body.dataset.mode = MODES[tab.id] ?? 'debugger';
});
document.addEventListener('jwtkit:inspect', () => mode.select('tab-debugger'));
document.addEventListener('jwtkit:flow', () => mode.select('tab-flow'));
initDebugger();
initFlow();
initLab();
initLearn().then(() => {
  document.body.dataset.ready = 'true';
});
