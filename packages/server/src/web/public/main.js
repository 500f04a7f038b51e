// @ts-check
// Entry point: two modes (Debugger, Flow), each a plain module. No framework, no inline script (strict CSP).
import { initDebugger } from './debugger.js';
import { $, tablist } from './dom.js';
import { initFlow } from './flow.js';

const mode = tablist($('mode-tabs'), (tab) => {
  document.body.dataset.mode = tab.id === 'tab-flow' ? 'flow' : 'debugger';
});
document.addEventListener('jwtkit:inspect', () => mode.select('tab-debugger'));
initDebugger();
initFlow();
document.body.dataset.ready = 'true';
